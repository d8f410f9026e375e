"""The staff dashboard at scale: its ticket charts are read as the scheduler aggregated them (one cache
entry, no grouping over the tenant's tickets on view), so the page runs as many queries in a tenant of
ROWS tickets as in one of a few, and its live counts are index-served."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.helpdesk import dashboard_charts
from tests.conftest import postgres_only
from tests.factories import StaffMembershipFactory, TicketFactory

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects, nodes, plan_of, text_plan

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]


def _agent_client(client, tenant: str, role: str = "agent"):
    staff = StaffMembershipFactory(tenant_id=tenant, roles=[role])
    client.force_login(staff.user)
    return client


def _dashboard_queries(client) -> tuple[int, list[str]]:
    client.get(reverse("admin:index"))  # warm (sessions, the tenant's settings)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def test_the_dashboard_reads_the_aggregated_charts_and_costs_the_same_queries_at_any_size(scale_data, client):
    from django.test import Client

    small = "scale-dash-small"
    TicketFactory(tenant_id=small, status="open")
    dashboard_charts.refresh_all()
    big_count, big_sql = _dashboard_queries(_agent_client(client, scale_data["tenant"]))
    small_count, _ = _dashboard_queries(_agent_client(Client(), small))
    assert big_count == small_count
    grouped = [sql for sql in big_sql if '"helpdesk_ticket"' in sql and "GROUP BY" in sql]
    assert not grouped, grouped


def test_the_aggregated_charts_are_the_live_counts(scale_data):
    from django.utils import timezone

    tickets = dashboard_charts.tenant_tickets(scale_data["tenant"])
    now = timezone.now()
    charts = dashboard_charts.refresh(scale_data["tenant"], now)
    assert dashboard_charts.tenant_charts(scale_data["tenant"]) == charts
    by_status = {bar["label"]: bar["value"] for bar in charts["tickets_by_status"]}
    assert by_status["open"] == tickets.filter(status="open").count() > 0
    assert sum(by_status.values()) == tickets.count()


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_the_dashboards_live_counts_are_index_served(scale_data, client, role):
    dashboard_charts.refresh_all()
    _agent_client(client, scale_data["tenant"], role)
    client.get(reverse("admin:index"))
    with captured_selects(TABLES) as selects:
        assert client.get(reverse("admin:index")).status_code == 200
    assert selects
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=500)


def _rows_read(plan: dict, table: str) -> int:
    return max((node.get("Actual Rows", 0) * max(1, node.get("Actual Loops", 1))
                for node in nodes(plan) if node.get("Relation Name") == table), default=0)


@pytest.mark.parametrize("person", ["directory person", "staff login only"])
def test_the_dashboards_approvals_read_only_the_users_own_steps(scale_data, client, person):
    """"My approvals" reads the steps the user decides from the approver's, delegate's and groups'
    indexes, not the tenant's undecided group steps; a staff login with no directory person decides none."""
    dashboard_charts.refresh_all()
    no_person = {"person_id": ""} if person == "staff login only" else {}
    staff = StaffMembershipFactory(tenant_id=scale_data["tenant"], roles=["admin"], **no_person)
    client.force_login(staff.user)
    client.get(reverse("admin:index"))
    with captured_selects(("approvals_approvalstep",)) as selects:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    steps = [sql for sql in selects if 'FROM "approvals_approvalstep"' in sql]
    assert steps
    for sql in steps:
        assert _rows_read(plan_of(sql), "approvals_approvalstep") <= 500, text_plan(sql)
    if person == "staff login only":
        assert response.context["my_approvals_count"] == 0


def test_the_reassignment_count_probes_each_group_of_the_tenant_never_the_whole_directory(scale_data):
    """A group step needs reassignment when its group has no active member. That is asked of each of the
    tenant's groups by the members' group index (a probe per group): never by hashing every tenant's
    memberships joined to their people (an EXISTS under an OR may be planned so, and at a 1M-row tenant
    beside another it was: 145 ms, against 8 ms for the probes, in tests/bench/scale.py's database)."""
    from apps.approvals.deciders import needing_reassignment
    from apps.approvals.models import ApprovalStep
    from apps.directory.models import Group

    tenant = scale_data["tenant"]
    sql, params = (needing_reassignment(ApprovalStep.objects.filter(tenant_id=tenant), tenant_id=tenant)
                   .values("pk").query.sql_with_params())
    # An EXISTS under the OR is what PostgreSQL may hash: at this test's size it plans probes either way,
    # so the shape is held by the SQL as well as by the plan.
    assert "EXISTS" not in sql.upper(), sql
    plan = plan_of(sql, params)
    groups = Group.all_objects.filter(tenant_id=tenant).count()
    members = [node for node in nodes(plan) if node.get("Relation Name") == "core_group_members"]
    assert members, text_plan(sql, params)
    for node in members:
        assert node["Node Type"] != "Seq Scan", text_plan(sql, params)
        assert node.get("Actual Loops", 1) <= groups, text_plan(sql, params)
    hashed = [node for node in nodes(plan) if "hashed" in node.get("Subplan Name", "")]
    assert not hashed, text_plan(sql, params)
