"""The API's HTTP conventions (apps/core/api/conventions.py): strong If-Match, If-None-Match -> 304,
RateLimit-* headers, the request id in every problem+json, ?is_deleted=true."""
import pytest
from rest_framework.test import APIClient

from apps.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/helpdesk/tickets"
CONNECTORS = "/api/v1/integration/connectors"


@pytest.fixture
def ticket(caller):
    agent = caller(sub="per_agent", roles=("agent",))
    response = agent.post(TICKETS, {"title": "Printer"}, format="json")
    return agent, response.json(), response["ETag"]


def test_a_weak_etag_in_if_match_is_a_412_and_changes_nothing(ticket):
    agent, body, etag = ticket
    url = f"{TICKETS}/{body['id']}"
    refused = agent.patch(url, {"title": "Weak"}, format="json", HTTP_IF_MATCH=f"W/{etag}")
    assert refused.status_code == 412 and "weak" in refused.json()["detail"]
    assert Ticket.objects.get(pk=body["id"]).title == "Printer"
    assert agent.patch(url, {"title": "Strong"}, format="json", HTTP_IF_MATCH=etag).status_code == 200


def test_if_none_match_answers_304_on_a_record_and_on_a_list(ticket):
    agent, body, etag = ticket
    url = f"{TICKETS}/{body['id']}"
    unchanged = agent.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag and unchanged.content == b""
    assert agent.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    listed = agent.get(TICKETS)
    assert listed.status_code == 200 and listed.has_header("ETag")
    assert agent.get(TICKETS, HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304
    agent.patch(url, {"title": "Changed"}, format="json")
    assert agent.get(TICKETS, HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200
    assert agent.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_rate_limit_headers_for_a_caller_with_a_limit(admin_a):
    made = admin_a.post("/api/v1/integration/api-keys", {"name": "ci", "kind": "service", "scopes": ["helpdesk:read"],
                                                         "tenant_wide": True, "rpm_limit": 2}, format="json").json()
    key = APIClient()
    key.credentials(HTTP_X_API_KEY=made["key"])
    answers = [key.get(TICKETS) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a["RateLimit-Limit"] for a in answers] == ["2", "2", "2"]
    assert [a["RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert all(1 <= int(a["RateLimit-Reset"]) <= 61 for a in answers)
    # A caller without a limit gets no RateLimit headers.
    assert not admin_a.get(TICKETS).has_header("RateLimit-Limit")


@pytest.mark.parametrize("request_kind", ["404", "400", "401", "405"])
def test_every_problem_names_its_request_id(caller, request_kind):
    client = caller(sub="per_alice") if request_kind != "401" else APIClient()
    response = {
        "404": lambda: client.get(f"{TICKETS}/tkt_missing"),
        "400": lambda: client.post(TICKETS, {"title": ""}, format="json"),
        "401": lambda: client.get(TICKETS),
        "405": lambda: client.put(TICKETS, {}, format="json"),
    }[request_kind]()
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["request_id"] == response["X-Request-ID"] and len(response["X-Request-ID"]) == 36


def test_a_clients_request_id_is_kept_only_when_trusted(caller, settings):
    alice = caller(sub="per_alice")
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = False
    replaced = alice.get(f"{TICKETS}/tkt_missing", HTTP_X_REQUEST_ID="client-chosen-1")
    assert replaced["X-Request-ID"] != "client-chosen-1" and replaced.json()["request_id"] == replaced["X-Request-ID"]
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
    kept = alice.get(f"{TICKETS}/tkt_missing", HTTP_X_REQUEST_ID="client-chosen-1")
    assert kept["X-Request-ID"] == "client-chosen-1" and kept.json()["request_id"] == "client-chosen-1"


def test_is_deleted_true_lists_soft_deleted_rows_to_those_who_see_every_row(admin_a, caller):
    made = admin_a.post(CONNECTORS, {"type": "manual", "provider": "jira", "name": "Gone"}, format="json").json()
    kept = admin_a.post(CONNECTORS, {"type": "manual", "provider": "jira", "name": "Kept"}, format="json").json()
    assert admin_a.delete(f"{CONNECTORS}/{made['id']}").status_code == 204
    assert [r["id"] for r in admin_a.get(CONNECTORS).json()["results"]] == [kept["id"]]
    deleted = admin_a.get(CONNECTORS, {"is_deleted": "true"}).json()["results"]
    assert [(r["id"], r["is_deleted"]) for r in deleted] == [(made["id"], True)]
    assert [r["id"] for r in admin_a.get(CONNECTORS, {"is_deleted": "false"}).json()["results"]] == [kept["id"]]
    # Another tenant's admin does not see them; a caller who sees only their own rows is refused.
    assert caller("globex", "per_admin_b", ("admin",)).get(CONNECTORS, {"is_deleted": "true"}).json()["results"] == []
    refused = caller(sub="per_alice").get(TICKETS, {"is_deleted": "true"})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
