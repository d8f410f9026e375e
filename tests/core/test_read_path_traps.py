"""The read path's traps, each as a test: what a model or a viewset declares is what the API answers.
1. a staff role the platform has never heard of   2. a class-level queryset
3. a to-many visibility path                       4. a multi-table child of a TenantModel
5. a renamed domain service (test_explicit_wiring)"""
import sys
import types
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.test import override_settings
from django.test.utils import isolate_apps
from django.urls import include, path

from apps.core.api.routers import OptionalSlashRouter
from apps.core.api.serializers import RecordSerializer
from apps.core.api.viewsets import RecordViewSet
from apps.core.models import TenantModel
from apps.core.principal import Principal, system_principal
from apps.core.services import record_create
from apps.core.visibility import Visibility
from apps.helpdesk.api.serializers import TicketSerializer
from apps.helpdesk.models import Ticket
from apps.integration.models import Application
from tests.conftest import Caller, make_token
from tests.quality.routes import build_record


class _Tables:
    """Create the tables of models defined in a test (isolated from the app registry), drop them after."""

    def __init__(self, *models_):
        self.models = models_

    def __enter__(self):
        with connection.schema_editor() as editor:
            for model in self.models:
                editor.create_model(model)

    def __exit__(self, *exc):
        with connection.schema_editor() as editor:
            for model in reversed(self.models):
                editor.delete_model(model)


@pytest.fixture
def audit_notes(transactional_db):
    """A new resource: a role no other model names (`auditor`), owner fields of its own, and a
    viewset whose class-level queryset lists published notes only — served under /api/v1/test/."""
    with isolate_apps("helpdesk"):  # an API domain: a key's scopes name it (apps/core/scopes.py)
        class AuditNote(TenantModel):
            id_prefix = "aun"
            visibility = Visibility(sees_all=("auditor",), mine=("created_by", "reviewer_id"))

            title = models.CharField(max_length=100)
            reviewer_id = models.CharField(max_length=64, blank=True, default="")
            status = models.CharField(max_length=16, choices=[("open", "open"), ("closed", "closed")], default="open")
            published = models.BooleanField(default=True)

            class Meta:
                app_label = "helpdesk"

    class AuditNoteSerializer(RecordSerializer):
        class Meta(RecordSerializer.Meta):
            model = AuditNote

    class PublishedNotes(RecordViewSet):
        queryset = AuditNote.objects.filter(published=True)
        serializer_class = AuditNoteSerializer

    router = OptionalSlashRouter()
    router.register("notes", PublishedNotes, basename="test-notes")
    urls = types.ModuleType("read_path_trap_urls")
    urls.urlpatterns = [path("api/v1/test/", include(router.urls))]
    sys.modules[urls.__name__] = urls
    Application.objects.get_or_create(tenant_id="acme", slug="trap-app",
                                      defaults={"display_name": "Trap", "oauth_client_id": "client-trap"})
    with _Tables(AuditNote), override_settings(ROOT_URLCONF=urls.__name__):
        yield SimpleNamespace(model=AuditNote, viewset=PublishedNotes)
    del sys.modules[urls.__name__]


def _note(model, *, tenant="acme", by="per_owner", **fields):
    return model.objects.create(tenant_id=tenant, created_by=by, updated_by=by, title="n", **fields)


def _callers():
    app = Caller(tenant="acme", sub="per_app", roles=("auditor",))
    app.credentials(HTTP_AUTHORIZATION="Bearer " + make_token(tenant="acme", sub="per_app", roles=("auditor",),
                                                                client_id="client-trap"))
    return {
        "admin": Caller(tenant="acme", sub="per_admin", roles=("admin",)),
        "auditor": Caller(tenant="acme", sub="per_auditor", roles=("auditor",)),
        "owner": Caller(tenant="acme", sub="per_owner"),
        "reviewer": Caller(tenant="acme", sub="per_reviewer"),
        "agent (a role this model does not name)": Caller(tenant="acme", sub="per_agent", roles=("agent",)),
        "other tenant's auditor": Caller(tenant="globex", sub="per_auditor", roles=("auditor",)),
        "app": app,
    }


def _answers(client, rows) -> dict:
    def listed(query):
        resp = client.get("/api/v1/test/notes" + query)
        assert resp.status_code == 200, resp.content
        return sorted(r["id"] for r in resp.json()["results"])

    return {
        "list": listed("?page_size=500"), "open": listed("?status=open"), "closed": listed("?status=closed"),
        "get": {row.pk: client.get(f"/api/v1/test/notes/{row.pk}").status_code for row in rows},
    }


def test_a_new_model_with_a_new_staff_role_and_a_class_level_queryset_reads_as_declared(audit_notes):
    model = audit_notes.model
    owned = _note(model)
    reviewed = _note(model, by="per_someone", reviewer_id="per_reviewer", status="closed")
    someone = _note(model, by="per_someone")
    draft = _note(model, published=False)  # the viewset's queryset leaves it out, for everyone
    of_app = _note(model, by="per_someone")
    model.objects.filter(pk=of_app.pk).update(app_id="trap-app")
    elsewhere = _note(model, tenant="globex")
    rows = [owned, reviewed, someone, draft, of_app, elsewhere]

    answers = {who: _answers(client, rows) for who, client in _callers().items()}

    published = sorted(r.pk for r in (owned, reviewed, someone, of_app))
    assert answers["auditor"]["list"] == answers["admin"]["list"] == published
    assert answers["owner"]["list"] == [owned.pk]
    assert answers["reviewer"]["list"] == [reviewed.pk] and answers["reviewer"]["closed"] == [reviewed.pk]
    assert answers["agent (a role this model does not name)"]["list"] == []
    assert answers["other tenant's auditor"]["list"] == [elsewhere.pk]
    assert answers["app"]["list"] == [of_app.pk]
    for who, answer in answers.items():
        assert answer["get"][draft.pk] == 404, who
    assert answers["auditor"]["get"][someone.pk] == 200 and answers["owner"]["get"][someone.pk] == 404


def test_a_viewset_queryset_that_is_not_a_tenant_queryset_is_refused_at_import():
    with pytest.raises(ImproperlyConfigured, match="TenantModel queryset"):
        class Plain(RecordViewSet):  # noqa: F841
            queryset = Application.objects.none().values("id")
            serializer_class = TicketSerializer

    with pytest.raises(ImproperlyConfigured, match="TenantModel queryset"):
        from django.contrib.auth.models import User

        class Users(RecordViewSet):  # noqa: F841
            queryset = User.objects.all()
            serializer_class = TicketSerializer


def test_the_old_visibility_attributes_are_refused_when_a_model_is_defined():
    with isolate_apps("core"), pytest.raises(ImproperlyConfigured, match="visibility = Visibility"):
        class Old(TenantModel):  # noqa: F841
            staff_roles = ("agent",)

            class Meta:
                app_label = "helpdesk"


def test_a_visibility_path_through_a_to_many_relation_lists_each_row_once(db):
    """ApprovalRequest: a member sees a request with two of their steps (and a group step) once:
    `id IN (… UNION …)`, the steps read for their request ids, no join or DISTINCT on the rows listed."""
    from apps.approvals.models import ApprovalRequest
    from tests.factories.approvals import ApprovalRequestFactory, ApprovalStepFactory
    from tests.factories.directory import GroupFactory, PersonFactory

    me = PersonFactory()
    request = ApprovalRequestFactory()
    ApprovalStepFactory(approval_request=request, approver_id=me.pk)
    ApprovalStepFactory(approval_request=request, approver_id="per_other", delegated_to_id=me.pk)
    ApprovalStepFactory(approval_request=request, approver_id="", approver_group=GroupFactory(members=[me]))
    ApprovalStepFactory()  # someone else's
    member = Principal(person_id=me.pk, tenant_id="acme")
    assert list(ApprovalRequest.objects.visible_to(member).values_list("pk", flat=True)) == [request.pk]
    sql = str(ApprovalRequest.objects.visible_to(member).query)
    outer = sql.split('."id" IN (', 1)[0]
    assert "UNION" in sql and "DISTINCT" not in sql and " JOIN " not in outer


# -- multi-table inheritance -------------------------------------------------------------------


def test_a_multi_table_child_of_a_tenant_model_is_created_and_read(transactional_db):
    with isolate_apps("helpdesk"):  # an API domain: a key's scopes name it (apps/core/scopes.py)
        class Asset(TenantModel):
            id_prefix = "ast"
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "helpdesk"

        class Laptop(Asset):
            serial = models.CharField(max_length=50)

            class Meta:
                app_label = "helpdesk"

    with _Tables(Asset, Laptop):
        actor = system_principal("acme")
        laptop = record_create(actor=actor, obj=Laptop(name="X1", serial="S-1"), emit=False)
        read = Laptop.objects.visible_to(actor).get(pk=laptop.pk)
        assert (read.name, read.serial, read.tenant_id, read.created_by) == ("X1", "S-1", "acme", "system")
        assert Asset.objects.visible_to(actor).get(pk=laptop.pk).name == "X1"
