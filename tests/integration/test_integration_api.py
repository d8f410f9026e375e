"""Integration resources: applications, connectors, API keys that authenticate, webhooks."""
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.models import Event
from apps.integration.models import Application, Connector, IntegrationApiKey, StoredSecret, Webhook
from apps.integration.secret_store import secret_store
from tests.conftest import make_token
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)
from tests.spec import field_names

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration"


class TestApplicationResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                              StampTests):
    model = Application


class TestConnectorResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests, StampTests):
    model = Connector


class TestIntegrationApiKeyResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                                    RenderingTests, StampTests):
    model = IntegrationApiKey


class TestWebhookResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests, StampTests):
    model = Webhook


def key_client(raw: str, header: str = "bearer") -> APIClient:
    client = APIClient()
    if header == "bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    else:
        client.credentials(HTTP_X_API_KEY=raw)
    return client


def create_key(admin, **extra):
    response = admin.post(f"{BASE}/api-keys", {"name": "ci", "kind": "service", "scopes": ["helpdesk:read"], "tenant_wide": True, **extra},
                          format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_every_field_is_returned(admin_a, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    app = admin_a.post(f"{BASE}/applications", {"display_name": "CRM", "slug": "crm"}, format="json").json()
    assert field_names("Application") <= set(app)
    connector = admin_a.post(f"{BASE}/connectors", {"type": "manual", "provider": "jira", "name": "Jira"}, format="json").json()
    assert field_names("Connector") <= set(connector)
    assert field_names("IntegrationApiKey") <= set(create_key(admin_a))
    webhook = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": receiver.url}, format="json").json()
    assert field_names("Webhook") <= set(webhook)


def test_application_slug_unique_and_optimistic_version(admin_a, admin_b):
    app = admin_a.post(f"{BASE}/applications", {"display_name": "CRM", "slug": "crm"}, format="json").json()
    assert app["version"] == 1
    assert admin_a.post(f"{BASE}/applications", {"display_name": "Other", "slug": "crm"}, format="json").status_code == 409
    assert admin_b.post(f"{BASE}/applications", {"display_name": "CRM", "slug": "crm"}, format="json").status_code == 201
    url = f"{BASE}/applications/{app['id']}"
    updated = admin_a.patch(url, {"description": "x", "version": 1}, format="json").json()
    assert updated["version"] == 2
    stale = admin_a.patch(url, {"description": "y", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert Application.objects.get(id=app["id"]).description == "x"
    assert admin_a.patch(url, {"description": "z"}, format="json").json()["version"] == 3


def test_only_admins_configure_integrations(caller):
    agent = caller("acme", "per_agent", ("agent",))
    assert agent.post(f"{BASE}/applications", {"display_name": "x", "slug": "x"}, format="json").status_code == 403
    assert agent.post(f"{BASE}/api-keys", {"name": "x"}, format="json").status_code == 403


def test_client_id_stamps_and_scopes_app_id(admin_a):
    admin_a.post(f"{BASE}/applications", {"display_name": "Portal", "slug": "portal", "oauth_client_id": "portal-cli"},
                 format="json")
    portal = APIClient()
    portal.credentials(HTTP_AUTHORIZATION="Bearer " + make_token(tenant="acme", sub="per_p", roles=("agent",),
                                                                   client_id="portal-cli"))
    ticket = portal.post("/api/v1/helpdesk/tickets", {"title": "From the portal"}, format="json").json()
    assert ticket["app_id"] == "portal"
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "Direct"}, format="json")
    assert [t["title"] for t in portal.get("/api/v1/helpdesk/tickets").json()["results"]] == ["From the portal"]
    assert len(admin_a.get("/api/v1/helpdesk/tickets").json()["results"]) == 2


def test_connector_config_rejects_secrets_and_credentials_go_to_the_store(admin_a):
    bad = admin_a.post(f"{BASE}/connectors", {"type": "manual", "provider": "other", "name": "S",
                                              "config": {"baseUrl": "https://x", "auth": {"apiToken": "abc"}}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "config"
    created = admin_a.post(f"{BASE}/connectors", {"type": "manual", "provider": "other", "name": "S",
                                                  "config": {"baseUrl": "https://x"},
                                                  "credentials": {"token": "super-secret-value"}}, format="json").json()
    assert "credentials" not in created and created["vault_path"]
    assert secret_store().get(created["vault_path"]) == {"token": "super-secret-value"}
    row = StoredSecret.objects.get(path=created["vault_path"])
    assert b"super-secret-value" not in bytes(row.ciphertext)
    assert "super-secret-value" not in str(list(Event.objects.values_list("payload", flat=True)))
    assert "super-secret-value" not in str(list(Connector.history.values()))
    assert admin_a.delete(f"{BASE}/connectors/{created['id']}").status_code == 204


def test_api_key_is_shown_once_and_only_hashed(admin_a):
    created = create_key(admin_a)
    raw = created["key"]
    assert raw.startswith("sk-") and len(raw) == 43
    assert created["key_hash"] == created["key_fingerprint"] == hashlib.sha256(raw.encode()).hexdigest()
    assert created["prefix"] == created["key_prefix"] == raw[:8]
    fetched = admin_a.get(f"{BASE}/api-keys/{created['id']}").json()
    assert fetched["key"] is None and fetched["key_hash"] is None and fetched["key_fingerprint"] is None
    listed = admin_a.get(f"{BASE}/api-keys").json()["results"][0]
    assert listed["key"] is None and listed["key_hash"] is None
    assert raw not in str(list(Event.objects.values_list("payload", flat=True)))
    assert IntegrationApiKey.objects.get(id=created["id"]).key_hash == created["key_hash"]


def test_api_key_authenticates_with_scopes(admin_a):
    raw = create_key(admin_a, scopes=["helpdesk:read"])["key"]
    admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json")
    for header in ("bearer", "x-api-key"):
        assert key_client(raw, header).get("/api/v1/helpdesk/tickets").status_code == 200
    assert key_client(raw).post("/api/v1/helpdesk/tickets", {"title": "y"}, format="json").status_code == 403
    assert key_client(raw).get("/api/v1/operations/travel").status_code == 403
    writer = create_key(admin_a, scopes=["helpdesk:write"])["key"]
    assert key_client(writer).post("/api/v1/helpdesk/tickets", {"title": "y"}, format="json").status_code == 201
    everything = create_key(admin_a, scopes=["*"])["key"]
    assert key_client(everything).get("/api/v1/operations/travel").status_code == 200
    assert key_client("sk-not-a-real-key-at-all").get("/api/v1/helpdesk/tickets").status_code == 401
    assert IntegrationApiKey.objects.filter(last_used_at__isnull=False).count() == 3


def test_revoked_expired_blocked_keys_are_401(admin_a):
    revoked, expired, blocked = (create_key(admin_a) for _ in range(3))
    assert admin_a.post(f"{BASE}/api-keys/{revoked['id']}/revoke", format="json").json()["status"] == "revoked"
    IntegrationApiKey.objects.filter(id=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    IntegrationApiKey.objects.filter(id=blocked["id"]).update(blocked=True, blocked_reason="leaked")
    for key in (revoked, expired, blocked):
        response = key_client(key["key"]).get("/api/v1/helpdesk/tickets")
        assert response.status_code == 401 and response["Content-Type"].startswith("application/problem+json")


def test_api_key_scopes_validation(admin_a):
    response = admin_a.post(f"{BASE}/api-keys", {"name": "x", "scopes": ["helpdesk:delete", 3]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "scopes"


def test_rate_limit_is_429_with_retry_after(admin_a):
    raw = create_key(admin_a, rpm_limit=3)["key"]
    codes = [key_client(raw).get("/api/v1/helpdesk/tickets").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = key_client(raw).get("/api/v1/helpdesk/tickets")
    assert 1 <= int(limited["Retry-After"]) <= 61 and limited.json()["code"] == "throttled"


def test_rotate_issues_a_new_key_and_expires_the_old_after_grace(admin_a):
    old = create_key(admin_a, scopes=["helpdesk:read"])
    rotated = admin_a.post(f"{BASE}/api-keys/{old['id']}/rotate", {"grace_seconds": 3600}, format="json")
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["key"] and new["key"] != old["key"] and new["rotated_from_key_id"] == old["id"]
    assert new["scopes"] == ["helpdesk:read"]
    old_row = IntegrationApiKey.objects.get(id=old["id"])
    assert timedelta(minutes=59) < old_row.expires_at - timezone.now() <= timedelta(hours=1)
    assert key_client(old["key"]).get("/api/v1/helpdesk/tickets").status_code == 200
    assert key_client(new["key"]).get("/api/v1/helpdesk/tickets").status_code == 200


def test_webhook_secret_shown_once_and_kept_in_the_store(admin_a, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    created = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": receiver.url, "event_types": ["helpdesk.*"],
                                                "retry_policy": {"maxAttempts": 3, "backoff": "exponential", "timeoutMs": 2000}},
                           format="json").json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["secret_fingerprint"] == hashlib.sha256(secret.encode()).hexdigest()
    assert created["is_active"] is created["enabled"] is True
    assert admin_a.get(f"{BASE}/webhooks/{created['id']}").json()["secret"] is None
    assert secret_store().get(created["vault_path"]) == {"secret": secret}
    assert secret not in str(list(Webhook.history.values())) + str(list(Event.objects.values_list("payload", flat=True)))
    assert admin_a.patch(f"{BASE}/webhooks/{created['id']}", {"is_active": False}, format="json").json()["enabled"] is False


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://10.0.0.5/x", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "http://localhost/x", "ftp://example.com/x"])
def test_private_targets_are_refused(admin_a, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": url}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url"
    assert Webhook.all_objects.count() == 0


@pytest.mark.parametrize("policy", [{"maxAttempts": 0}, {"backoff": "random"}, {"timeoutMs": "soon"}, {"retries": 3}, [1]])
def test_retry_policy_is_validated(admin_a, receiver, settings, policy):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    response = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": receiver.url, "retry_policy": policy}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "retry_policy"
