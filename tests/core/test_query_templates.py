"""Compiled reads (core/query_templates.py) answer exactly what the ORM path answers, for every
list and detail route, every kind of caller, cursors and enum filters; shapes a template cannot
express fall back. Also: the model's fast from_db, and the PostgreSQL health-check backend."""
import pytest
from django.db import connections
from django.db.models import signals
from django.test import override_settings

from apps.core import query_templates
from apps.core.api.viewsets import RecordViewSet
from apps.core.fsm import state_field
from apps.core.models import TenantModel
from apps.helpdesk.models import Ticket
from apps.integration.models import Application
from tests.conftest import Caller, make_token, postgres_only
from tests.quality.routes import api_routes, build_record

pytestmark = pytest.mark.django_db

LIST_ROUTES = [r for r in api_routes() if not r.detail and "GET" in r.methods
               and issubclass(r.viewset, RecordViewSet)]
DETAIL_ROUTES = {r.model: r for r in api_routes() if r.detail and r.template.endswith("{pk}") and "GET" in r.methods}


def templatable(viewset) -> bool:
    return viewset.get_queryset is RecordViewSet.get_queryset and not viewset.select_related


def callers():
    app_token = make_token(tenant="acme", sub="per_app_user", roles=("admin",), client_id="client-tmpl")
    app_caller = Caller(tenant="acme", sub="per_app_user", roles=("admin",))
    app_caller.credentials(HTTP_AUTHORIZATION=f"Bearer {app_token}")
    return {
        "admin": Caller(tenant="acme", sub="per_admin", roles=("admin",)),
        "owner": Caller(tenant="acme", sub="per_owner"),
        "stranger": Caller(tenant="acme", sub="per_stranger"),
        "other-tenant admin": Caller(tenant="globex", sub="per_admin_g", roles=("admin",)),
        "app": app_caller,
    }


def read_all(client, url) -> list:
    """Every page, following `next` (so deep cursors are exercised); ids and bodies."""
    pages, seen = [], 0
    while url and seen < 20:
        resp = client.get(url)
        assert resp.status_code == 200, resp.content
        body = resp.json()
        pages.append(body["results"])
        url, seen = body["next"], seen + 1
    return pages


def read_one(client, url):
    resp = client.get(url)
    body = resp.json()
    body.pop("request_id", None)  # every request has its own
    return resp.status_code, body


def both_paths(fn):
    with override_settings(API_QUERY_TEMPLATES=False):
        expected = fn()
    with override_settings(API_QUERY_TEMPLATES=True):
        got = fn()
    return expected, got


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.template)
def test_lists_and_reads_match_the_orm_path(route):
    model = route.model
    Application.objects.get_or_create(tenant_id="acme", slug="tmpl-app",
                                      defaults={"display_name": "Tmpl", "oauth_client_id": "client-tmpl"})
    mine = [build_record(model, tenant="acme", person="per_owner") for _ in range(3)]
    build_record(model, tenant="acme", person="per_someone_else")
    build_record(model, tenant="globex", person="per_owner")
    app_row = build_record(model, tenant="acme", person="per_owner")
    model.all_objects.filter(pk=app_row.pk).update(app_id="tmpl-app")
    deleted = build_record(model, tenant="acme", person="per_owner")
    model.all_objects.filter(pk=deleted.pk).update(is_deleted=True)

    status = state_field(model)
    queries = ["?page_size=2"]
    if status is not None:
        queries.append(f"?page_size=2&{status.name}={getattr(mine[0], status.attname)}")
    query_templates._templates.clear()
    for who, client in callers().items():
        for query in queries:
            expected, got = both_paths(lambda: read_all(client, route.url() + query))
            assert got == expected, (who, query)
        detail = DETAIL_ROUTES.get(model)
        if detail is not None:
            for row in (*mine, app_row, deleted):
                expected, got = both_paths(lambda: read_one(client, detail.url(row.pk)))
                assert got == expected, (who, row.pk)
    if templatable(route.viewset):
        used = [k for k, t in query_templates._templates.items()
                if t is not None and k[1][0] is route.viewset and k[1][2] == "list"]
        assert used, "the list of a plain RecordViewSet should run from a template"


def test_every_plain_resource_is_templatable():
    plain = [r.viewset.__name__ for r in LIST_ROUTES if templatable(r.viewset)]
    assert len(plain) >= 10, plain


def test_other_query_shapes_take_the_orm_path(caller, django_assert_num_queries):
    agent = caller("acme", "per_agent", ("agent",))
    build_record(Ticket, tenant="acme")
    query_templates._templates.clear()
    for query in ("?search=x", "?ordering=created_at", "?status=bogus", "?created_at__gte=2020-01-01T00:00:00Z",
                  "?status__in=new,open", "?priority=high&priority=low"):
        resp = agent.get("/api/v1/helpdesk/tickets" + query)
        assert resp.status_code in (200, 400), (query, resp.content)
    assert not [k for k in query_templates._templates if k[1][2:3] == ("list",) and k[1][3]], \
        "only enum filters with one valid value make a templated list"
    assert agent.get("/api/v1/helpdesk/tickets?status=bogus").status_code == 400


def test_a_build_that_queries_or_transforms_a_slot_is_not_templatable():
    def queries_while_building(slot):
        list(Ticket.objects.all()[:1])
        return Ticket.objects.filter(tenant_id=slot("tenant"))

    def like(slot):
        return Ticket.objects.filter(title__icontains=slot("q"))

    def plain(slot):
        return Ticket.objects.filter(tenant_id=slot("tenant"), status__exact=slot("s"))

    assert query_templates.template_for(("t", 1), "default", queries_while_building) is None
    assert query_templates.template_for(("t", 2), "default", like) is None
    template = query_templates.template_for(("t", 3), "default", plain)
    ticket = build_record(Ticket, tenant="acme")
    assert [t.pk for t in template.fetch("default", {"tenant": "acme", "s": ticket.status})] == [ticket.pk]
    assert template.fetch("default", {"tenant": "globex", "s": ticket.status}) == []


# -- TenantModel.from_db ------------------------------------------------------------------------


def test_rows_read_from_the_database_run_model_init_and_its_signals():
    row = build_record(Ticket, tenant="acme")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(receiver, sender=Ticket)
    try:
        Ticket.objects.get(pk=row.pk)
    finally:
        signals.post_init.disconnect(receiver, sender=Ticket)
    assert seen == [row.pk]


def test_a_stale_instance_still_cannot_save_over_a_transition():
    from django_fsm import ConcurrentTransition

    ticket = build_record(Ticket, tenant="acme")
    first, second = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    field = state_field(Ticket)
    others = [v for v, _ in field.choices if v != getattr(first, field.attname)]
    Ticket.objects.filter(pk=ticket.pk).update(**{field.attname: others[0]})
    assert isinstance(first, TenantModel)
    with pytest.raises(ConcurrentTransition):
        second.save()


# -- the PostgreSQL backend's health check ---------------------------------------------------------
@postgres_only
def test_health_check_skipped_only_for_a_connection_in_steady_use(monkeypatch):
    from apps.core.db.postgresql.base import DatabaseWrapper

    connection = connections["default"]
    assert isinstance(connection, DatabaseWrapper)
    connection.ensure_connection()
    calls = []
    real = DatabaseWrapper.__mro__[1].is_usable

    def counting(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(type(connection), "is_usable", counting)
    monkeypatch.setattr(connection, "health_check_enabled", True)

    def new_request(idle_seconds, errors=False):
        connection.health_check_done = False
        connection.errors_occurred = errors
        if connection._checked_at is not None:
            connection._checked_at -= idle_seconds
        connection.close_if_health_check_failed()
        assert connection.health_check_done

    new_request(0)  # the first check of this connection (or a recent one)
    before = len(calls)
    new_request(0.5)
    assert len(calls) == before, "a connection used half a second ago is trusted"
    new_request(60)
    assert len(calls) == before + 1, "a connection idle for a minute is checked"
    new_request(0, errors=True)
    assert len(calls) == before + 2, "a connection that saw an error is checked"
    connection.errors_occurred = False


def test_an_expression_value_takes_djangos_insert():
    from django.db.models import Value

    ticket = Ticket(tenant_id="acme", title="x", description="", type=Ticket._meta.get_field("type").choices[0][0],
                    priority="low", number="TKT-EXPR")
    ticket.schema_version = Value(7)
    ticket.save()
    assert Ticket.objects.get(pk=ticket.pk).schema_version == 7


def test_a_ticket_create_costs_a_fixed_number_of_statements(caller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = caller("acme", "per_agent", ("agent",))
    body = {"title": "Printer", "description": "jammed", "type": "incident", "priority": "high"}
    assert agent.post("/api/v1/helpdesk/tickets", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert agent.post("/api/v1/helpdesk/tickets", body, format="json").status_code == 201
    statements = [q["sql"].split()[0] for q in ctx.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # the token subject's active flag (DEBUG: DIRECTORY_ACTIVE_CACHE_SECONDS=0), the SLA policy, then
    # (holding the counter's row lock as briefly as possible) counter upsert, ticket, its history row,
    # the outbox event
    assert statements == ["SELECT", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"], ctx.captured_queries
    counter_at = next(i for i, q in enumerate(ctx.captured_queries) if "core_counter" in q["sql"])
    ticket_at = next(i for i, q in enumerate(ctx.captured_queries) if q["sql"].startswith('INSERT INTO "helpdesk_ticket"'))
    assert ticket_at == counter_at + 1, "nothing runs between taking the counter lock and the INSERT"


def test_a_ticket_transition_opens_one_transaction_and_no_savepoint_inside(caller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = caller("acme", "per_agent", ("agent",))
    body = {"title": "Printer", "description": "jammed", "type": "incident", "priority": "high"}
    ticket = agent.post("/api/v1/helpdesk/tickets", body, format="json").json()
    with CaptureQueriesContext(connection) as ctx:
        assert agent.post(f"/api/v1/helpdesk/tickets/{ticket['id']}/resolve", {}, format="json").status_code == 200
    # Under the test's transaction the view's block (only inside a caller's transaction) and the
    # service's (BEGIN in production) are savepoints; the generic transition inside adds none.
    savepoints = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2, "\n".join(q["sql"][:90] for q in ctx.captured_queries)
