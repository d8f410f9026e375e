"""Every model of the project's apps has a factory (tests/factories), and each factory makes a
valid row whose related rows — foreign keys, ids of records, people — are of the row's tenant."""
import pytest
from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges

from apps.approvals.models import ApprovalStep
from apps.core.person_fields import APPROVER_LIST, GROUP, GROUP_LIST, PERSON, PERSON_LIST, ChosenBy, directory_fields
from apps.core.models import Tenant, TenantModel
from apps.directory.models import Group, Person
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from apps.integration.auth import resolve_api_key
from apps.integration.models import Connector, IntegrationApiKey
from apps.integration.secret_store import secret_store
from apps.notifications.models import Notification
from apps.signin.services import client_secret
from tests.factories import (
    FACTORIES,
    ApprovalStepFactory,
    GroupFactory,
    IdentityProviderFactory,
    IntegrationApiKeyFactory,
    PersonFactory,
    SLAPolicyFactory,
    TicketCommentFactory,
    TicketFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith("apps.")
            and not issubclass(m, HistoricalChanges)]


# Fields holding the id of a record (not a foreign key, so no database check) besides the
# directory's person and group fields (apps/directory/models.py).
ID_FIELDS: dict[str, dict[str, type[models.Model]]] = {
    "core.StaffMembership": {"person_id": Person},
    "core.SavedFilter": {"owner_id": Person},
    "helpdesk.TicketComment": {"author_id": Person},
    "policies.PolicyAcknowledgement": {"person_id": Person},
    "policies.PolicyVersion": {"created_by": Person},
    "notifications.Notification": {"recipient_id": Person},
    "notifications.Preference": {"person_id": Person},
    "notifications.UsedLink": {"person_id": Person, "target_id": ApprovalStep, "token_id": Notification},
    "integration.RateLimitCounter": {"key_id": IntegrationApiKey},
}
KIND_MODELS = {PERSON: Person, PERSON_LIST: Person, APPROVER_LIST: Person, GROUP: Group, GROUP_LIST: Group}  # factories name people
NO_TENANT = {"ops.ScheduledJob", "core.ConsumerProgress"}


def id_fields(obj) -> dict[str, type[models.Model]]:
    fields = dict(ID_FIELDS.get(obj._meta.label, {}))
    for name, kind in directory_fields(type(obj)).items():
        kind = kind.kind({}, obj) if isinstance(kind, ChosenBy) else kind
        fields[name] = KIND_MODELS[kind]
    if isinstance(obj, TenantModel):
        fields.update(created_by=Person, updated_by=Person)
    return {name: model for name, model in fields.items() if hasattr(obj, name)}


def row_tenant(obj) -> str | None:
    """The tenant a row belongs to, however the model records it."""
    label = obj._meta.label
    if isinstance(obj, Tenant):
        return obj.pk
    if label == "core.ConsumedEvent":
        return obj.event.tenant_id
    if label == "integration.RateLimitCounter":
        return IntegrationApiKey.all_objects.get(pk=obj.key_id).tenant_id
    if label == "integration.StoredSecret":
        return obj.path.split("/")[1]  # tenants/<tenant>/…
    return getattr(obj, "tenant_id", None)


def related_tenants(obj) -> dict[str, set]:
    """{what: tenants of the rows it names} for every relation (to a project model: a staff user has no
    tenant) and id field of `obj` that is set."""
    found: dict[str, set] = {}
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.related_model in project_models() and getattr(obj, field.attname) is not None:
            related = field.related_model._base_manager.get(pk=getattr(obj, field.attname))
            found[field.name] = {row_tenant(related)}
    for field in obj._meta.many_to_many:
        found[field.name] = {row_tenant(r) for r in getattr(obj, field.name).all()}
    for name, model in id_fields(obj).items():
        value = getattr(obj, name)
        ids = value if isinstance(value, list) else [value] if value else []
        rows = model._base_manager.filter(pk__in=ids)
        assert rows.count() == len(set(ids)), f"{obj._meta.label}.{name} = {value!r} names no {model.__name__}"
        found[name] = {row_tenant(r) for r in rows}
    if obj._meta.label == "integration.StoredSecret":  # tenants/<tenant>/connectors/<id>/credentials
        found["path"] = {Connector.all_objects.get(pk=obj.path.split("/")[3]).tenant_id}
    return found


def test_every_project_model_has_a_factory():
    missing = sorted(m._meta.label for m in project_models() if m not in FACTORIES)
    assert not missing, f"models without a factory in tests/factories: {missing}"
    assert len(project_models()) >= 30
    stray = sorted(m._meta.label for m in FACTORIES if m not in project_models())
    assert not stray, f"factories for models that are not the project's: {stray}"


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_the_factory_makes_a_valid_row_of_one_tenant(model, tenant):
    factory = FACTORIES[model]
    if model._meta.label in NO_TENANT:
        obj = factory()
    else:
        obj = factory(id=tenant) if model is Tenant else factory(tenant_id=tenant)
    obj.full_clean()
    reloaded = model._base_manager.get(pk=obj.pk)
    reloaded.full_clean()
    if isinstance(obj, TenantModel):
        assert obj.pk.startswith(f"{model.id_prefix}_")
    if model._meta.label in NO_TENANT:
        return
    assert row_tenant(reloaded) == tenant
    assert Tenant.objects.filter(pk=tenant).exists()
    for what, tenants in related_tenants(reloaded).items():
        assert tenants <= {tenant}, f"{model._meta.label}.{what} names rows of {tenants - {tenant}}"


def test_a_row_takes_the_tenant_of_the_records_it_is_given():
    ticket = TicketFactory(tenant_id="globex")
    comment = TicketCommentFactory(ticket=ticket)
    assert comment.tenant_id == "globex" and Person.objects.get(pk=comment.author_id).tenant_id == "globex"
    step = ApprovalStepFactory(approval_request__tenant_id="globex", tenant_id="globex")
    second = ApprovalStepFactory(approval_request=step.approval_request)
    assert (second.tenant_id, second.step_index, second.approval_request.total_steps) == ("globex", 1, 2)


def test_a_record_of_another_tenant_is_refused():
    ticket = TicketFactory(tenant_id="globex")
    with pytest.raises(ValueError, match="tenant"):
        TicketCommentFactory(ticket=ticket, tenant_id="acme")
    with pytest.raises(ValueError, match="tenant"):
        GroupFactory(tenant_id="acme", members=[PersonFactory(tenant_id="globex")])


def test_ticket_numbers_come_from_the_counter_the_service_uses():
    policy = SLAPolicyFactory(priority="high")
    first = TicketFactory(priority="high")
    made = ticket_create(actor=Principal(person_id="per_x", tenant_id="acme"), data={"title": "t"})
    assert (first.number, made.number) == ("TKT-0001", "TKT-0002")
    assert first.sla_policy == policy and first.due_at is not None


def test_secrets_are_where_the_services_keep_them():
    key = IntegrationApiKeyFactory()
    principal = resolve_api_key(key.raw_key)
    assert (principal.api_key_id, principal.tenant_id, principal.app_id) == (key.pk, "acme", key.application.slug)
    webhook = WebhookFactory(headers={"X-Token": "t0ken"})
    assert secret_store().get(webhook.vault_path) == {"secret": webhook.raw_secret, "headers": {"X-Token": "t0ken"}}
    provider = IdentityProviderFactory(tenant_id="globex")
    assert client_secret(provider) == provider.client_secret and provider.tenant_id == "globex"
