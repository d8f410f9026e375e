"""Helpdesk tickets and SLA policies over the API: the foundation proven end to end."""
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Event
from apps.helpdesk.models import SLAPolicy, Ticket
from tests.conftest import postgres_only
from tests.factories import StaffMembershipFactory
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)
from tests.spec import field_names

TICKETS = "/api/v1/helpdesk/tickets"
POLICIES = "/api/v1/helpdesk/sla-policies"
pytestmark = pytest.mark.django_db


class TestTicketResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                         RenderingTests, StampTests):
    model = Ticket


class TestSLAPolicyResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests, StampTests):
    model = SLAPolicy


@pytest.fixture
def agent(caller):
    return caller("acme", "per_agent", ("agent",))


@pytest.fixture
def member(caller):
    return caller("acme", "per_member", ())


@pytest.fixture
def policy(admin_a):
    body = {"name": "High incidents", "priority": "high", "applies_to": ["incident", "problem"],
            "first_response_mins": 30, "resolution_minutes": 240}
    response = admin_a.post(POLICIES, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def create_ticket(client, **fields):
    body = {"title": "VPN down", "type": "incident", "priority": "high", **fields}
    response = client.post(TICKETS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_every_spec_field_is_returned(admin_a, policy):
    ticket = create_ticket(admin_a)
    assert field_names("Ticket") <= set(ticket)
    assert field_names("SLAPolicy") <= set(admin_a.get(f"{POLICIES}/{policy['id']}").json())


def test_create_stamps_server_fields_and_ignores_client_stamps(member):
    sent = {"id": "tkt_forged", "tenant_id": "globex", "app_id": "evil", "created_by": "someone",
            "created_at": "2000-01-01T00:00:00Z", "is_deleted": True, "number": "TKT-9999", "status": "closed",
            "source_type": "system", "schema_version": 7}
    ticket = create_ticket(member, **sent)
    assert ticket["id"].startswith("tkt_") and ticket["id"] != "tkt_forged"
    assert ticket["tenant_id"] == "acme" and ticket["app_id"] is None
    assert ticket["created_by"] == ticket["updated_by"] == ticket["submitted_by_id"] == "per_member"
    assert ticket["created_at"] > "2020" and ticket["is_deleted"] is False
    assert ticket["number"] == "TKT-0001" and ticket["status"] == "new"
    assert ticket["source"] == "edm" and ticket["source_type"] == "api" and ticket["schema_version"] == 1


def test_numbers_are_per_tenant_and_never_reused(admin_a, admin_b):
    first = create_ticket(admin_a)
    assert create_ticket(admin_a)["number"] == "TKT-0002"
    assert create_ticket(admin_b)["number"] == "TKT-0001"
    Ticket.objects.filter(id=first["id"]).delete()  # even a row removed from the database
    assert create_ticket(admin_a)["number"] == "TKT-0003"


def test_sla_policy_sets_due_dates(admin_a, policy):
    ticket = create_ticket(admin_a)
    assert ticket["sla_policy"] == policy["id"]
    assert ticket["due_at"] and ticket["first_response_due_at"]
    assert ticket["first_response_due_at"] < ticket["due_at"]
    other_type = create_ticket(admin_a, type="change")
    assert other_type["sla_policy"] is None and other_type["due_at"] is None
    # A priority change re-matches the policy.
    low = create_ticket(admin_a, priority="low")
    assert low["sla_policy"] is None
    patched = admin_a.patch(f"{TICKETS}/{low['id']}", {"priority": "high"}, format="json").json()
    assert patched["sla_policy"] == policy["id"] and patched["due_at"]


def test_sla_policy_validation_and_aliases(admin_a, agent):
    bad = admin_a.post(POLICIES, {"name": "x", "priority": "asap", "applies_to": ["incident", "party"],
                                  "first_response_minutes": -5, "resolution_minutes": "soon"}, format="json")
    assert bad.status_code == 400
    assert {"priority", "applies_to", "first_response_minutes", "resolution_minutes"} <= {e["field"] for e in bad.json()["errors"]}
    inverted = admin_a.post(POLICIES, {"name": "x", "priority": "low", "first_response_minutes": 500,
                                       "resolution_minutes": 60}, format="json")
    assert inverted.status_code == 400 and inverted.json()["errors"][0]["field"] == "first_response_minutes"
    both = admin_a.post(POLICIES, {"name": "x", "priority": "low", "first_response_mins": 10,
                                   "first_response_minutes": 20, "resolution_mins": 60}, format="json")
    assert both.status_code == 400
    created = admin_a.post(POLICIES, {"name": "x", "priority": "low", "first_response_minutes": 10,
                                      "resolution_mins": 60}, format="json").json()
    assert created["resolution_minutes"] == created["resolution_mins"] == 60
    assert created["first_response_mins"] == 10
    # Only admins configure SLAs.
    assert agent.post(POLICIES, {"name": "y", "priority": "low", "first_response_minutes": 1,
                                 "resolution_minutes": 2}, format="json").status_code == 403
    patched = admin_a.patch(f"{POLICIES}/{created['id']}", {"resolution_mins": 90, "status": "inactive"}, format="json")
    assert patched.json()["resolution_minutes"] == 90 and patched.json()["status"] == "inactive"


def test_full_lifecycle_and_events(agent, member):
    ticket = create_ticket(member)
    url = f"{TICKETS}/{ticket['id']}"
    steps = [("open", "open"), ("hold", "pending"), ("open", "open"), ("resolve", "resolved"),
             ("reopen", "open"), ("resolve", "resolved"), ("close", "closed")]
    for name, status in steps:
        response = agent.post(f"{url}/{name}", {"comment": f"{name} it"}, format="json")
        assert response.status_code == 200, (name, response.content)
        assert response.json()["status"] == status
    types = list(Event.objects.filter(entity_id=ticket["id"]).order_by("id").values_list("type", flat=True))
    assert types == ["helpdesk.ticket.created", "helpdesk.ticket.opened", "helpdesk.ticket.held",
                     "helpdesk.ticket.opened", "helpdesk.ticket.resolved", "helpdesk.ticket.reopened",
                     "helpdesk.ticket.resolved", "helpdesk.ticket.closed"]
    history = Ticket.history.filter(id=ticket["id"]).order_by("history_id")
    assert history.count() == 8
    assert list(history.values_list("history_user_id", flat=True))[1:] == ["per_agent"] * 7
    assert history.last().history_change_reason == "close it"
    event = Event.objects.get(entity_id=ticket["id"], type="helpdesk.ticket.closed")
    assert event.payload["status"] == "closed" and event.actor_id == "per_agent" and event.tenant_id == "acme"


def test_illegal_transition_is_409_with_allowed_ones(agent, member):
    ticket = create_ticket(member)
    url = f"{TICKETS}/{ticket['id']}"
    response = agent.post(f"{url}/reopen", format="json")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert set(response.json()["allowed_transitions"]) == {"open", "hold", "resolve", "close"}
    agent.post(f"{url}/close", format="json")
    closed = agent.post(f"{url}/open", format="json")
    assert closed.status_code == 409 and closed.json()["allowed_transitions"] == []
    assert Ticket.objects.get(id=ticket["id"]).status == "closed"


def test_transition_roles(member, caller):
    ticket = create_ticket(member)
    url = f"{TICKETS}/{ticket['id']}"
    response = member.post(f"{url}/resolve", format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    # The submitter may close their own ticket.
    assert member.post(f"{url}/close", format="json").status_code == 200
    other = create_ticket(caller("acme", "per_other", ()))
    assert member.get(f"{TICKETS}/{other['id']}").status_code == 404


def test_patch_status_runs_the_one_legal_transition(agent, member):
    ticket = create_ticket(member)
    url = f"{TICKETS}/{ticket['id']}"
    assert agent.patch(url, {"status": "pending"}, format="json").json()["status"] == "pending"
    assert Event.objects.filter(entity_id=ticket["id"], type="helpdesk.ticket.held").exists()
    assert agent.patch(url, {"status": "resolved", "category": "Network"}, format="json").json()["status"] == "resolved"
    response = agent.patch(url, {"status": "new"}, format="json")
    assert response.status_code == 409 and "reopen" in response.json()["allowed_transitions"]
    assert agent.patch(url, {"status": "nonsense"}, format="json").status_code == 400
    assert Ticket.objects.get(id=ticket["id"]).status == "resolved"


def make_staff(person_id: str, roles: list[str], tenant: str = "acme") -> None:
    StaffMembershipFactory(tenant__id=tenant, tenant__name="", user__username=person_id, person_id=person_id,
                           roles=roles)


def test_member_sees_only_own_tickets(caller, agent):
    make_staff("per_alice", ["agent"])  # assignable; her token carries no role, so she sees what a member sees
    alice, bob = caller("acme", "per_alice"), caller("acme", "per_bob")
    mine = create_ticket(alice)
    create_ticket(bob)
    assigned = create_ticket(agent, assigned_to_id="per_alice")
    listed = {t["id"] for t in alice.get(TICKETS).json()["results"]}
    assert listed == {mine["id"], assigned["id"]}
    assert len(agent.get(TICKETS).json()["results"]) == 3
    assert {t["id"] for t in alice.get(TICKETS, {"assigned_to_id": "me"}).json()["results"]} == {assigned["id"]}


@pytest.mark.parametrize("method,suffix,body", [
    ("get", "", None), ("patch", "", {"title": "hijack"}), ("put", "", {"title": "hijack"}),
    ("delete", "", None), ("post", "/close", {}), ("post", "/resolve", {}), ("post", "/hold", {}),
])
def test_other_tenants_ticket_is_404_everywhere(admin_a, admin_b, method, suffix, body):
    ticket = create_ticket(admin_a)
    response = getattr(admin_b, method)(f"{TICKETS}/{ticket['id']}{suffix}", body, format="json")
    assert response.status_code in (404, 405), response.content
    if method != "delete":
        assert response.status_code == 404
    assert ticket["id"] not in {t["id"] for t in admin_b.get(TICKETS).json()["results"]}
    fresh = Ticket.objects.get(id=ticket["id"])
    assert fresh.title == "VPN down" and fresh.status == "new"


def test_other_tenants_sla_policy_is_404(admin_a, admin_b, policy):
    url = f"{POLICIES}/{policy['id']}"
    assert admin_b.get(url).status_code == 404
    assert admin_b.patch(url, {"name": "x"}, format="json").status_code == 404
    assert admin_b.get(POLICIES).json()["results"] == []


def test_etag_and_stale_if_match(agent, member):
    ticket = create_ticket(member)
    url = f"{TICKETS}/{ticket['id']}"
    etag = agent.get(url)["ETag"]
    assert agent.patch(url, {"category": "Net"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = agent.patch(url, {"category": "Other"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert agent.post(f"{url}/close", format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert Ticket.objects.get(id=ticket["id"]).category == "Net"
    fresh = agent.get(url)["ETag"]
    assert agent.post(f"{url}/close", format="json", HTTP_IF_MATCH=fresh).status_code == 200


def test_filters_search_ordering(agent):
    a = create_ticket(agent, title="Printer jam", priority="low", category="Hardware")
    b = create_ticket(agent, title="Email bounce", priority="urgent")
    agent.post(f"{TICKETS}/{b['id']}/close", format="json")
    ids = lambda r: [t["id"] for t in r.json()["results"]]
    assert ids(agent.get(TICKETS, {"status": "closed"})) == [b["id"]]
    assert ids(agent.get(TICKETS, {"priority__in": ["low", "high"]})) == [a["id"]]
    assert ids(agent.get(TICKETS, {"search": "printer"})) == [a["id"]]
    assert ids(agent.get(TICKETS, {"created_at__gte": a["created_at"]})) == [b["id"], a["id"]]
    assert ids(agent.get(TICKETS, {"ordering": "priority"})) == [a["id"], b["id"]]
    assert ids(agent.get(TICKETS)) == [b["id"], a["id"]]  # newest first


def test_cursor_pagination(agent):
    created = [create_ticket(agent, title=f"T{i}")["id"] for i in range(7)]
    page = agent.get(TICKETS, {"page_size": 3}).json()
    seen = [t["id"] for t in page["results"]]
    while page["next"]:
        page = agent.get(page["next"]).json()
        seen += [t["id"] for t in page["results"]]
    assert seen == list(reversed(created))


def test_list_query_count_does_not_depend_on_page_size(agent):
    for i in range(30):
        create_ticket(agent, title=f"T{i}")
    counts = []
    for size in (1, 10, 30):
        with CaptureQueriesContext(connection) as ctx:
            assert len(agent.get(TICKETS, {"page_size": size}).json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    # 4: the page, its count-free cursor, labels, and (DEBUG: DIRECTORY_ACTIVE_CACHE_SECONDS=0) the token subject's active flag
    assert counts[0] == counts[1] == counts[2] <= 4


def test_update_validation_changes_nothing(agent):
    ticket = create_ticket(agent)
    url = f"{TICKETS}/{ticket['id']}"
    response = agent.patch(url, {"title": "", "priority": "nope", "type": ["x"]}, format="json")
    assert response.status_code == 400
    assert {"title", "priority", "type"} <= {e["field"] for e in response.json()["errors"]}
    assert Ticket.objects.get(id=ticket["id"]).title == "VPN down"
    assert Event.objects.filter(entity_id=ticket["id"]).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_have_exactly_one_winner(caller):
    agent1, agent2 = caller("acme", "per_a1", ("agent",)), caller("acme", "per_a2", ("agent",))
    ticket = create_ticket(agent1)
    url = f"{TICKETS}/{ticket['id']}/close"
    barrier = threading.Barrier(2)
    results = []

    def close(client):
        barrier.wait()
        results.append(client.post(url, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=close, args=(c,)) for c in (agent1, agent2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [200, 409]
    assert Event.objects.filter(entity_id=ticket["id"], type="helpdesk.ticket.closed").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creates_get_fifty_distinct_numbers(caller):
    clients = [caller("acme", f"per_{i}") for i in range(50)]
    barrier = threading.Barrier(10)
    numbers, errors = [], []

    def create_batch(batch):
        barrier.wait()
        for client in batch:
            response = client.post(TICKETS, {"title": "race"}, format="json")
            (numbers if response.status_code == 201 else errors).append(
                response.json().get("number") if response.status_code == 201 else response.content)
        connection.close()

    threads = [threading.Thread(target=create_batch, args=(clients[i::10],)) for i in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert sorted(numbers) == [f"TKT-{i:04d}" for i in range(1, 51)]


def test_assignee_must_be_an_agent_of_the_tenant(agent, member):
    make_staff("per_agent", ["agent"])
    make_staff("per_hr", ["hr"])
    make_staff("per_globex_agent", ["agent"], tenant="globex")
    ticket = create_ticket(member)
    for nobody in ("per_agnet", "per_hr", "per_globex_agent"):  # a typo, staff who are no agents, another tenant
        refused = agent.patch(f"{TICKETS}/{ticket['id']}", {"assigned_to_id": nobody, "title": "changed"}, format="json")
        assert refused.status_code == 400, refused.content
        assert [e["field"] for e in refused.json()["errors"]] == ["assigned_to_id"]
        created = agent.post(TICKETS, {"title": "x", "assigned_to_id": nobody}, format="json")
        assert created.status_code == 400 and created.json()["errors"][0]["field"] == "assigned_to_id"
    stored = Ticket.objects.get(id=ticket["id"])
    assert (stored.assigned_to_id, stored.title) == (None, "VPN down")
    assert Ticket.objects.filter(tenant_id="acme").count() == 1
    assigned = agent.patch(f"{TICKETS}/{ticket['id']}", {"assigned_to_id": "per_agent"}, format="json")
    assert assigned.status_code == 200 and Ticket.objects.get(id=ticket["id"]).assigned_to_id == "per_agent"
    unassigned = agent.patch(f"{TICKETS}/{ticket['id']}", {"assigned_to_id": None}, format="json")
    assert unassigned.status_code == 200 and Ticket.objects.get(id=ticket["id"]).assigned_to_id is None
