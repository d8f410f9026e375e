"""Webhooks cannot inject headers, leak their secrets, starve other tenants or reach beyond their
creator; real receivers on 127.0.0.1, real signing, the real secret store."""
import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook as StandardWebhook

from apps.core.models import Event, Tenant
from apps.core.principal import Principal
from apps.integration.delivery_engine import fan_out, run_pass, send_due
from apps.integration.models import StoredSecret, Webhook, WebhookDelivery
from apps.integration.secret_store import secret_store
from apps.integration.services import webhook_create
from tests.conftest import make_token
from tests.factories import ApplicationFactory, EventFactory, StaffMembershipFactory
from tests.integration.conftest import Receiver

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration"
MASK = "••••"


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def receivers():
    made = []

    def build() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield build
    for receiver in made:
        receiver.close()


def make_webhook(client, url, **extra) -> dict:
    body = {"name": "hook", "url": url, "event_types": ["helpdesk.*"], **extra}
    response = client.post(f"{BASE}/webhooks", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def ticket(client, title="x") -> dict:
    response = client.post("/api/v1/helpdesk/tickets", {"title": title}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("headers", [
    {"X-Injected": "a\r\nX-Evil: 1"}, {"X-Injected": "a\nb"}, {"X-Injected": "a\x00b"}, {"Bad Name": "x"},
    {"X:Colon": "x"}, {"Connection": "close"}, {"Transfer-Encoding": "chunked"}, {"Upgrade": "h2c"},
    {"Keep-Alive": "5"}, {"TE": "trailers"}, {"Trailer": "x"}, {"Proxy-Authorization": "Basic x"},
    {"Host": "evil.example"}, {"Content-Length": "1"}, {"content-type": "text/plain"},
    {"webhook-signature": "v1,forged"}, {"X-Number": 5}, {"X-Euro": "€"},
])
def test_bad_headers_are_refused_on_create_and_update(admin_a, receivers, headers):
    url = receivers().url
    response = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": url, "headers": headers}, format="json")
    # (the JSON parser itself refuses NUL; every other case is the headers check)
    assert response.status_code == 400, response.content
    assert response.json().get("errors", [{"field": "headers"}])[0]["field"] == "headers", response.content
    assert Webhook.all_objects.count() == 0
    hook = make_webhook(admin_a, url, headers={"X-Tenant": "acme"})
    patched = admin_a.patch(f"{BASE}/webhooks/{hook['id']}", {"headers": headers}, format="json")
    assert patched.status_code == 400
    assert secret_store().get(hook["vault_path"])["headers"] == {"X-Tenant": "acme"}


def test_header_values_are_secrets_shown_masked(admin_a, receivers):
    receiver = receivers()
    hook = make_webhook(admin_a, receiver.url, headers={"Authorization": "Bearer receiver-secret"})
    assert hook["headers"] == {"Authorization": MASK}
    assert admin_a.get(f"{BASE}/webhooks/{hook['id']}").json()["headers"] == {"Authorization": MASK}
    assert Webhook.objects.get(id=hook["id"]).headers == {"Authorization": MASK}
    assert secret_store().get(hook["vault_path"]) == {"secret": hook["secret"],
                                                      "headers": {"Authorization": "Bearer receiver-secret"}}
    # sending the mask back keeps the stored value; a new header is added
    patched = admin_a.patch(f"{BASE}/webhooks/{hook['id']}", {"headers": {"Authorization": MASK, "X-Extra": "1"}},
                            format="json")
    assert patched.status_code == 200 and patched.json()["headers"] == {"Authorization": MASK, "X-Extra": MASK}
    assert secret_store().get(hook["vault_path"])["headers"] == {"Authorization": "Bearer receiver-secret", "X-Extra": "1"}
    unknown_mask = admin_a.patch(f"{BASE}/webhooks/{hook['id']}", {"headers": {"X-New": MASK}}, format="json")
    assert unknown_mask.status_code == 400
    ticket(admin_a)
    assert run_pass()["delivered"] == 1
    sent = receiver.requests[0]["headers"]
    assert sent["authorization"] == "Bearer receiver-secret" and sent["x-extra"] == "1"
    everything = str(list(Event.objects.values_list("payload", flat=True))) + str(list(Webhook.history.values()))
    assert "receiver-secret" not in everything
    assert b"receiver-secret" not in bytes(StoredSecret.objects.get(path=hook["vault_path"]).ciphertext)


def poison_headers(hook: dict) -> None:
    """A header value stored before validation existed (the API refuses it now)."""
    stored = secret_store().get(hook["vault_path"])
    secret_store().put(hook["vault_path"], {**stored, "headers": {"X-Bad": "a\r\nInjected: 1"}})


def test_a_poisoned_webhook_of_one_tenant_does_not_stop_another_tenants_delivery(admin_a, admin_b, receivers):
    receiver_a, receiver_b = receivers(), receivers()
    hook_a = make_webhook(admin_a, receiver_a.url, retry_policy={"maxAttempts": 3})
    poison_headers(hook_a)
    hook_b = make_webhook(admin_b, receiver_b.url)
    ticket(admin_a, "a")
    ticket(admin_b, "b")
    counts = run_pass()  # one pass: A's delivery is leased and fails, B's is sent
    assert counts == {"fanned_out": 2, "delivered": 1, "retrying": 1, "failed": 0}
    assert receiver_a.requests == [] and len(receiver_b.requests) == 1
    failed = WebhookDelivery.objects.get(webhook_id=hook_a["id"])
    assert failed.status == "pending" and failed.attempts == 1 and failed.next_attempt_at > timezone.now()
    assert "X-Bad" in failed.last_error and failed.leased_until is None
    assert WebhookDelivery.objects.get(webhook_id=hook_b["id"]).status == "delivered"
    assert Webhook.objects.get(id=hook_a["id"]).consecutive_failures == 1


def test_any_error_while_sending_fails_that_delivery_only(admin_a, admin_b, receivers):
    receiver_a, receiver_b = receivers(), receivers()
    hook_a = make_webhook(admin_a, receiver_a.url)
    make_webhook(admin_b, receiver_b.url)
    Webhook.objects.filter(id=hook_a["id"]).update(retry_policy={"maxAttempts": "many"})  # written before validation
    ticket(admin_a, "a")
    ticket(admin_b, "b")
    assert run_pass()["delivered"] == 1 and len(receiver_b.requests) == 1
    failed = WebhookDelivery.objects.get(webhook_id=hook_a["id"])
    assert failed.status == "pending" and failed.attempts == 1 and "retry_policy" in failed.last_error


def test_a_secret_store_decrypt_failure_fails_one_delivery_not_the_pass(admin_a, admin_b, receivers):
    receiver_a, receiver_b = receivers(), receivers()
    hook_a = make_webhook(admin_a, receiver_a.url)
    hook_b = make_webhook(admin_b, receiver_b.url)
    # A's secret was written under another key (e.g. SECRET_KEY rotated without SECRET_STORE_KEY)
    foreign = Fernet(Fernet.generate_key()).encrypt(json.dumps({"secret": hook_a["secret"]}).encode())
    StoredSecret.objects.filter(path=hook_a["vault_path"]).update(ciphertext=foreign)
    ticket(admin_a, "a")
    ticket(admin_b, "b")
    counts = run_pass()
    assert counts["delivered"] == 1 and counts["retrying"] == 1
    assert receiver_a.requests == [] and len(receiver_b.requests) == 1
    StandardWebhook(hook_b["secret"]).verify(receiver_b.requests[0]["body"], receiver_b.requests[0]["headers"])
    failed = WebhookDelivery.objects.get(webhook_id=hook_a["id"])
    assert failed.status == "pending" and "InvalidToken" in failed.last_error and "SECRET_STORE_KEY" in failed.last_error


def test_a_backlog_of_one_tenant_does_not_starve_another(admin_a, admin_b, receivers):
    receiver_a, receiver_b = receivers(), receivers()
    make_webhook(admin_a, receiver_a.url)
    make_webhook(admin_b, receiver_b.url)
    for i in range(12):
        ticket(admin_a, f"a{i}")
    ticket(admin_b, "b")
    assert fan_out() == 13
    WebhookDelivery.objects.filter(tenant_id="globex").update(next_attempt_at=timezone.now())  # the newest of all
    counts = send_due(batch=6, per_tenant=4)
    assert counts["delivered"] == 5
    assert len(receiver_b.requests) == 1 and len(receiver_a.requests) == 4
    assert WebhookDelivery.objects.filter(tenant_id="acme", status="pending").count() == 8


def test_deliveries_of_paused_webhooks_take_no_batch_slots(admin_a, admin_b, receivers):
    receiver_b = receivers()
    paused = make_webhook(admin_a, receivers().url)
    make_webhook(admin_b, receiver_b.url)
    for i in range(5):
        ticket(admin_a, f"a{i}")
    fan_out()
    Webhook.objects.filter(id=paused["id"]).update(paused_at=timezone.now())
    ticket(admin_b, "b")
    fan_out()
    assert send_due(batch=2)["delivered"] == 1 and len(receiver_b.requests) == 1
    assert WebhookDelivery.objects.filter(webhook_id=paused["id"], status="pending").count() == 5


def test_an_application_webhook_gets_only_its_applications_events(admin_a, receivers):
    receiver = receivers()
    crm = admin_a.post(f"{BASE}/applications", {"display_name": "CRM", "slug": "crm", "oauth_client_id": "crm-cli"},
                       format="json").json()
    make_webhook(admin_a, receiver.url, application_id=crm["id"])
    portal = APIClient()
    portal.credentials(HTTP_AUTHORIZATION="Bearer " + make_token(tenant="acme", sub="per_p", roles=("agent",),
                                                                   client_id="crm-cli"))
    mine = ticket(portal, "from crm")
    ticket(admin_a, "not crm")
    run_pass()
    assert [WebhookDelivery.objects.get().event.entity_id] == [mine["id"]]
    assert json.loads(receiver.requests[0]["body"])["data"]["app_id"] == "crm" and len(receiver.requests) == 1


def test_a_keys_webhook_receives_no_event_it_could_not_read(admin_a, receivers):
    receiver = receivers()
    key = admin_a.post(f"{BASE}/api-keys", {"name": "k", "scopes": ["integration:write", "helpdesk:read"],
                                            "tenant_wide": True}, format="json").json()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key["key"])
    assert client.post(f"{BASE}/webhooks", {"name": "all", "url": receiver.url, "event_types": ["*"]},
                       format="json").status_code == 403
    make_webhook(client, receiver.url, event_types=["helpdesk.*"])
    admin_a.post("/api/v1/operations/hr-requests", {"type": "employment_letter", "description": "visa",
                                                    "requester_id": "per_x"}, format="json")
    ticket(admin_a)
    run_pass()
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["helpdesk.ticket.created"]
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["helpdesk.ticket.created"]


def test_key_hash_never_reaches_a_webhook(admin_a, receivers):
    receiver = receivers()
    make_webhook(admin_a, receiver.url, event_types=["integration.*"])
    key = admin_a.post(f"{BASE}/api-keys", {"name": "k", "scopes": ["helpdesk:read"], "tenant_wide": True},
                       format="json").json()
    # an event written before key_hash was excluded from payloads is cleaned when sent
    EventFactory(type="integration.integration_api_key.updated", entity_type="integration.IntegrationApiKey",
                 entity_id=key["id"],
                 payload={"id": key["id"], "key_hash": key["key_hash"], "key_fingerprint": key["key_hash"]})
    run_pass()
    bodies = b"".join(r["body"] for r in receiver.requests)
    assert len(receiver.requests) >= 3 and key["key_hash"].encode() not in bodies
    assert all("key_hash" not in json.loads(r["body"])["data"] for r in receiver.requests)


@pytest.mark.parametrize("url", ["http://user:pw@example.com/x", "http://127.1/x", "http://2130706433/x",
                                 "http://[::ffff:127.0.0.1]/x", "http://0x7f.0.0.1/x", "http://sub.localhost/x",
                                 "http://192.168.1.10:8080/x", "http://[fe80::1]/x", "javascript:alert(1)"])
def test_literal_private_targets_and_credentials_are_refused(admin_a, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": url}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url"
    if "@" in url:  # refused for the credentials, not for whether example.com resolves
        assert "credentials" in response.json()["errors"][0]["message"]
    assert Webhook.all_objects.count() == 0


def test_names_are_not_resolved_at_create_time(admin_a, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    import socket

    looked_up = []
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: looked_up.append(a[0]) or real(*a, **k))
    made = [admin_a.post(f"{BASE}/webhooks", {"name": "w", "url": url, "event_types": ["helpdesk.*"]}, format="json")
            for url in ("https://hooks.not-registered-yet.invalid/in", "http://intranet.corp.invalid/x")]
    assert [r.status_code for r in made] == [201, 201] and looked_up == []
    assert Webhook.objects.count() == 2
    monkeypatch.setattr(socket, "getaddrinfo", real)
    ticket(admin_a)
    counts = run_pass()  # resolved at send time: refused there, without stopping the pass
    assert counts["retrying"] == 2
    assert all(e.startswith("ssrf_refused") for e in WebhookDelivery.objects.values_list("last_error", flat=True))


def test_webhook_services_take_an_application_instance_of_the_callers_tenant(admin_a, receivers):
    url = receivers().url
    crm = ApplicationFactory(id="app_crm", display_name="CRM", slug="crm")
    theirs = ApplicationFactory(id="app_theirs", tenant_id="globex", display_name="X", slug="x")
    actor = Principal(person_id="per_admin_a", tenant_id="acme", roles=frozenset({"admin"}), source_type="backend")
    made = webhook_create(actor=actor, data={"name": "w", "url": url, "application": crm, "event_types": []})
    assert Webhook.objects.get(id=made.id).application_id == crm.id
    with pytest.raises(ValidationError):
        webhook_create(actor=actor, data={"name": "w2", "url": url, "application": theirs})
    with pytest.raises(ValidationError):  # the admin has no JSON parser in front of the service
        webhook_create(actor=actor, data={"name": "w3", "url": url, "headers": {"X-Nul": "a\x00b"}})
    assert Webhook.objects.count() == 1


def test_admin_creates_a_webhook_bound_to_an_application(client, receivers):
    url = receivers().url
    tenant = Tenant.objects.create(id="acme", name="Acme")
    user = StaffMembershipFactory(tenant=tenant, user__username="acme-admin", user__password="pw-123456",
                                  person_id="per_acme_admin", roles=["admin"]).user
    client.force_login(user)
    crm = ApplicationFactory(id="app_crm", display_name="CRM", slug="crm")
    form = {"name": "from admin", "direction": "outbound", "url": url, "event_types": '["helpdesk.*"]',
            "signature_scheme": "standard-webhooks-v1", "headers": '{"X-Token": "t0ken"}', "enabled": "on",
            "retry_policy": "{}", "application": crm.id, "source": "edm", "tags": "[]"}
    response = client.post(reverse("admin:integration_webhook_add"), form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    created = Webhook.objects.get()
    assert created.application_id == crm.id and created.headers == {"X-Token": MASK}
    assert secret_store().get(created.vault_path)["headers"] == {"X-Token": "t0ken"}
    assert created.created_by == "per_acme_admin" and created.secret_fingerprint


def test_deliveries_of_a_deleted_webhook_are_not_sent(admin_a, receivers):
    receiver = receivers()
    hook = make_webhook(admin_a, receiver.url)
    ticket(admin_a)
    fan_out()
    assert admin_a.delete(f"{BASE}/webhooks/{hook['id']}").status_code == 204
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert send_due()["delivered"] == 0 and receiver.requests == []
