"""API keys act for the person who made them and never reach further than their maker.

Every key here is created through the API (the raw key from the create response) and used over
the API; each test asserts what the database holds afterwards."""
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from apps.core.models import Event
from apps.helpdesk.models import Ticket
from apps.integration.models import IntegrationApiKey, Webhook
from apps.operations.models import AccessRequest, HRRequest
from tests.conftest import make_token, postgres_only

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration"


def key_client(raw: str, *, header: str = "bearer") -> APIClient:
    client = APIClient()
    if header == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    else:
        client.credentials(HTTP_X_API_KEY=raw)
    return client


def make_key(client, **body) -> dict:
    response = client.post(f"{BASE}/api-keys", {"name": "k", "kind": "service", **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def make_app(admin, slug: str) -> dict:
    response = admin.post(f"{BASE}/applications", {"display_name": slug, "slug": slug}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_integration_write_key_cannot_mint_a_star_key(admin_a):
    admin_a.post("/api/v1/operations/hr-requests", {"type": "employment_letter", "description": "visa",
                                                    "requester_id": "per_admin_a"}, format="json")
    writer = make_key(admin_a, scopes=["integration:write"], tenant_wide=True)
    minted = key_client(writer["key"]).post(f"{BASE}/api-keys", {"name": "star", "scopes": ["*"], "tenant_wide": True},
                                            format="json")
    assert minted.status_code == 403 and "scopes" in minted.json()["detail"]
    app = make_app(admin_a, "crm")
    beyond = key_client(writer["key"]).post(f"{BASE}/api-keys", {"name": "hr", "scopes": ["operations:read"],
                                                                 "application_id": app["id"]}, format="json")
    assert beyond.status_code == 403
    assert IntegrationApiKey.objects.count() == 1
    within = key_client(writer["key"]).post(f"{BASE}/api-keys", {"name": "reader", "scopes": ["integration:read"],
                                                                 "application_id": app["id"]}, format="json")
    assert within.status_code == 201, within.content
    row = IntegrationApiKey.objects.get(id=within.json()["id"])
    assert row.scopes == ["integration:read"] and row.application_id == app["id"] and row.tenant_wide is False
    assert row.created_by_user_id == "per_admin_a" and row.creator_roles == ["admin"]
    assert key_client(within.json()["key"]).get("/api/v1/operations/hr-requests").status_code == 403
    assert HRRequest.objects.count() == 1


def test_app_key_cannot_mint_an_unscoped_or_other_app_key(admin_a, caller):
    crm, other = make_app(admin_a, "crm"), make_app(admin_a, "billing")
    app_writer = make_key(admin_a, scopes=["integration:write", "helpdesk:write"], application_id=crm["id"])
    assert key_client(app_writer["key"]).post("/api/v1/helpdesk/tickets", {"title": "crm's"}, format="json").status_code == 201
    for title in ("a", "b", "c"):
        admin_a.post("/api/v1/helpdesk/tickets", {"title": title}, format="json")
    assert len(key_client(app_writer["key"]).get("/api/v1/helpdesk/tickets").json()["results"]) == 1
    before = IntegrationApiKey.objects.count()
    for body, status in (({"tenant_wide": True}, 403), ({"application_id": other["id"]}, 403), ({}, 400)):
        response = key_client(app_writer["key"]).post(
            f"{BASE}/api-keys", {"name": "escape", "scopes": ["helpdesk:read"], **body}, format="json")
        assert response.status_code == status, (body, response.content)
    assert IntegrationApiKey.objects.count() == before
    same_app = make_key(key_client(app_writer["key"]), scopes=["helpdesk:read"], application_id=crm["id"])
    assert IntegrationApiKey.objects.get(id=same_app["id"]).application_id == crm["id"]
    assert [t["title"] for t in key_client(same_app["key"]).get("/api/v1/helpdesk/tickets").json()["results"]] == ["crm's"]
    assert Ticket.objects.count() == 4


def test_key_needs_an_application_or_an_explicit_tenant_wide_flag(admin_a):
    app = make_app(admin_a, "crm")
    missing = admin_a.post(f"{BASE}/api-keys", {"name": "x", "scopes": ["helpdesk:read"]}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "application_id"
    both = admin_a.post(f"{BASE}/api-keys", {"name": "x", "scopes": ["helpdesk:read"], "tenant_wide": True,
                                             "application_id": app["id"]}, format="json")
    assert both.status_code == 400 and both.json()["errors"][0]["field"] == "tenant_wide"
    assert IntegrationApiKey.objects.count() == 0
    wide = make_key(admin_a, scopes=["helpdesk:read"], tenant_wide=True)
    assert wide["tenant_wide"] is True and wide["application_id"] is None
    listed = admin_a.get(f"{BASE}/api-keys").json()["results"]
    assert [(k["id"], k["tenant_wide"]) for k in listed] == [(wide["id"], True)]


def test_only_admins_or_star_keys_make_tenant_wide_keys(admin_a):
    scoped = make_key(admin_a, scopes=["integration:write", "helpdesk:read"], tenant_wide=True)
    refused = key_client(scoped["key"]).post(f"{BASE}/api-keys", {"name": "wide", "scopes": ["helpdesk:read"],
                                                                  "tenant_wide": True}, format="json")
    assert refused.status_code == 403 and "tenant-wide" in refused.json()["detail"]
    star = make_key(admin_a, scopes=["*"], tenant_wide=True)
    made = make_key(key_client(star["key"]), scopes=["helpdesk:read"], tenant_wide=True)
    assert IntegrationApiKey.objects.get(id=made["id"]).tenant_wide is True
    assert IntegrationApiKey.objects.count() == 3


def test_creator_roles_are_the_makers_and_not_client_writable(caller):
    maker = caller("acme", "per_boss", ("admin", "hr"))
    created = make_key(maker, scopes=["*"], tenant_wide=True, creator_roles=["admin", "hr", "it", "approver"],
                       created_by_user_id="per_ceo")
    row = IntegrationApiKey.objects.get(id=created["id"])
    assert row.creator_roles == ["admin", "hr"] and row.created_by_user_id == "per_boss"
    assert created["creator_roles"] == ["admin", "hr"]
    ticket = key_client(created["key"]).post("/api/v1/helpdesk/tickets", {"title": "by key"}, format="json").json()
    assert Ticket.objects.get(id=ticket["id"]).created_by == "per_boss"


def test_key_made_by_a_key_keeps_the_makers_roles(caller):
    maker = caller("acme", "per_boss", ("admin",))
    first = make_key(maker, scopes=["*"], tenant_wide=True)
    second = make_key(key_client(first["key"]), scopes=["helpdesk:read"], tenant_wide=True)
    row = IntegrationApiKey.objects.get(id=second["id"])
    assert row.created_by_user_id == "per_boss" and row.creator_roles == ["admin"]


def test_segregation_of_duties_applies_to_keys(admin_a, caller):
    """The key acts for its maker: `issued_to_user_id` naming someone else does not let the maker
    approve their own request."""
    own = admin_a.post("/api/v1/operations/access-requests", {
        "system_id": "github", "access_type": "new", "justification": "mine", "entitlement_type": "write",
        "requester_id": "per_admin_a"}, format="json").json()
    key = make_key(admin_a, scopes=["operations:write"], tenant_wide=True, issued_to_user_id="per_someone_else")
    response = key_client(key["key"]).post(f"/api/v1/operations/access-requests/{own['id']}/approve", format="json")
    assert response.status_code == 403 and "Segregation of duties" in response.json()["detail"]
    assert AccessRequest.objects.get(id=own["id"]).status == "pending"
    assert not Event.objects.filter(type="operations.access_request.approved").exists()
    other = caller("acme", "per_someone_else").post("/api/v1/operations/access-requests", {
        "system_id": "github", "access_type": "new", "justification": "theirs", "entitlement_type": "write"},
        format="json").json()
    approved = key_client(key["key"]).post(f"/api/v1/operations/access-requests/{other['id']}/approve", format="json")
    assert approved.status_code == 200
    assert AccessRequest.objects.get(id=other["id"]).approver_id == "per_admin_a"


def test_a_rotated_key_cannot_be_rotated_again(admin_a):
    old = make_key(admin_a, scopes=["helpdesk:read"], tenant_wide=True)
    first = admin_a.post(f"{BASE}/api-keys/{old['id']}/rotate", format="json")
    assert first.status_code == 201
    again = admin_a.post(f"{BASE}/api-keys/{old['id']}/rotate", format="json")
    assert again.status_code == 409 and first.json()["id"] in again.json()["detail"]
    assert list(IntegrationApiKey.objects.filter(rotated_from_key_id=old["id"]).values_list("id", flat=True)) == [
        first.json()["id"]]
    assert admin_a.post(f"{BASE}/api-keys/{first.json()['id']}/rotate", format="json").status_code == 201


def test_rotation_by_a_key_cannot_widen_it(admin_a):
    star = make_key(admin_a, scopes=["*"], tenant_wide=True)
    writer = make_key(admin_a, scopes=["integration:write"], tenant_wide=True)
    response = key_client(writer["key"]).post(f"{BASE}/api-keys/{star['id']}/rotate", format="json")
    assert response.status_code == 403
    assert not IntegrationApiKey.objects.filter(rotated_from_key_id=star["id"]).exists()
    assert IntegrationApiKey.objects.get(id=star["id"]).expires_at is None


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_leave_exactly_one_successor(caller):
    admin = caller("acme", "per_admin_a", ("admin",))
    old = make_key(admin, scopes=["helpdesk:read"], tenant_wide=True)
    token = make_token(tenant="acme", sub="per_admin_a", roles=("admin",))
    barrier, codes = threading.Barrier(6), []

    def rotate():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            codes.append(client.post(f"{BASE}/api-keys/{old['id']}/rotate", {"grace_seconds": 60}, format="json")
                         .status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rotate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 409, 409, 409, 409, 409]
    assert IntegrationApiKey.objects.filter(rotated_from_key_id=old["id"]).count() == 1
    assert IntegrationApiKey.objects.filter(status="active").count() == 2
    assert Event.objects.filter(type="integration.integration_api_key.created").count() == 2


def test_junk_bearer_beside_a_valid_api_key_is_401(admin_a):
    writer = make_key(admin_a, scopes=["helpdesk:write"], tenant_wide=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer junk", HTTP_X_API_KEY=writer["key"])
    response = client.post("/api/v1/helpdesk/tickets", {"title": "sneaky"}, format="json")
    assert response.status_code == 401 and response["Content-Type"].startswith("application/problem+json")
    basic = APIClient()
    basic.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwdw==", HTTP_X_API_KEY=writer["key"])
    assert basic.post("/api/v1/helpdesk/tickets", {"title": "sneaky"}, format="json").status_code == 401
    assert Ticket.objects.count() == 0
    assert IntegrationApiKey.objects.get(id=writer["id"]).last_used_at is None


@pytest.mark.parametrize("api_key", ["sk-not-a-real-key-at-all", "junk", ""])
def test_invalid_api_key_beside_a_valid_jwt_is_401(caller, api_key):
    agent = caller("acme", "per_agent", ("agent",))
    agent.credentials(HTTP_AUTHORIZATION=agent._credentials["HTTP_AUTHORIZATION"], HTTP_X_API_KEY=api_key)
    response = agent.post("/api/v1/helpdesk/tickets", {"title": "sneaky"}, format="json")
    assert response.status_code == 401
    assert Ticket.objects.count() == 0


def test_one_key_sent_in_both_headers_is_fine(admin_a):
    reader = make_key(admin_a, scopes=["helpdesk:read"], tenant_wide=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {reader['key']}", HTTP_X_API_KEY=reader["key"])
    assert client.get("/api/v1/helpdesk/tickets").status_code == 200
    assert IntegrationApiKey.objects.get(id=reader["id"]).last_used_at is not None


def test_key_events_carry_no_key_hash(admin_a):
    created = make_key(admin_a, scopes=["helpdesk:read"], tenant_wide=True)
    admin_a.post(f"{BASE}/api-keys/{created['id']}/revoke", format="json")
    payloads = list(Event.objects.filter(entity_id=created["id"]).values_list("payload", flat=True))
    assert len(payloads) == 2
    assert all("key_hash" not in p and "key_fingerprint" not in p for p in payloads)
    assert created["key_hash"] not in str(payloads)


def test_key_made_by_key_cannot_subscribe_webhooks_beyond_its_scopes(admin_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    writer = make_key(admin_a, scopes=["integration:write", "helpdesk:read"], tenant_wide=True)
    client = key_client(writer["key"])
    for event_types in (["*"], ["operations.*"], ["operations.hr_request.created"], []):
        response = client.post(f"{BASE}/webhooks", {"name": "w", "url": "http://127.0.0.1:9/x", "event_types": event_types},
                               format="json")
        assert response.status_code == 403, event_types
    assert Webhook.all_objects.count() == 0
    ok = client.post(f"{BASE}/webhooks", {"name": "w", "url": "http://127.0.0.1:9/x", "event_types": ["helpdesk.*"]},
                     format="json")
    assert ok.status_code == 201
    widen = client.patch(f"{BASE}/webhooks/{ok.json()['id']}", {"event_types": ["*"]}, format="json")
    assert widen.status_code == 403
    assert Webhook.objects.get(id=ok.json()["id"]).event_types == ["helpdesk.*"]
