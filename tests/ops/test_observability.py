"""JSON log lines name the request and its caller in both middleware chains; /metrics is
private and exposes the product's gauges."""
import json
import logging

import pytest

from apps.approvals.models import ApprovalRequest
from apps.core.models import Event
from apps.helpdesk.models import Ticket
from tests.factories import (
    EventFactory,
    StaffMembershipFactory,
    WebhookDeliveryFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


def rendered(caplog) -> list[dict]:
    """The records as the configured handler writes them: one JSON object per line."""
    formatter = logging.getLogger().handlers[0].formatter
    return [json.loads(formatter.format(record)) for record in caplog.records]


def test_api_lines_carry_request_id_tenant_person_and_app(caller, caplog):
    agent = caller("acme", "per_agent", ("agent",))
    with caplog.at_level(logging.INFO):
        response = agent.post("/api/v1/helpdesk/tickets", {"title": "Printer"}, format="json")
    assert response.status_code == 201 and Ticket.objects.filter(title="Printer").exists()
    finished = [line for line in rendered(caplog) if line["event"] == "request_finished"]
    assert len(finished) == 1
    line = finished[0]
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 36
    assert (line["tenant"], line["person"], line["app"]) == ("acme", "per_agent", None)
    assert line["code"] == 201 and line["request"] == "POST /api/v1/helpdesk/tickets" and line["level"] == "info"


def test_the_logged_address_is_the_one_axes_trusts_not_a_header_the_client_sends(caller, caplog, settings):
    agent = caller("acme", "per_agent", ("agent",))
    with caplog.at_level(logging.INFO):
        agent.get("/api/v1/helpdesk/tickets", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="192.0.2.7")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # behind a proxy
    with caplog.at_level(logging.INFO):
        agent.get("/api/v1/helpdesk/tickets", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1", REMOTE_ADDR="10.0.0.2")
    ips = [line.get("ip") for line in rendered(caplog) if line["event"] == "request_finished"]
    assert ips == ["192.0.2.7", "203.0.113.9"]


def test_admin_lines_carry_the_staff_members_tenant(client, caplog):
    user = StaffMembershipFactory(user__username="hr", user__password="pw-long-enough", tenant__id="globex",
                                  tenant__name="Globex", person_id="per_hr", roles=["hr"]).user
    client.force_login(user)
    with caplog.at_level(logging.INFO):
        response = client.get("/admin/")
    assert response.status_code == 200
    line = next(line for line in rendered(caplog) if line["event"] == "request_finished")
    assert (line["tenant"], line["person"]) == ("globex", "per_hr") and line["request_id"] == response["X-Request-ID"]


def gauges(text: str) -> dict[str, float]:
    return {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
            if line.startswith("backoffice_") and "{" not in line}


def test_metrics_are_private_by_default(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8", "127.0.0.1"]
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404


def test_metrics_expose_the_product_gauges(client, settings, admin_a):
    settings.METRICS_TOKEN = "scrape-secret"
    webhook = WebhookFactory(name="h", url="http://127.0.0.1:9/h")
    ticket = admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json").json()
    Ticket.objects.filter(pk=ticket["id"]).update(sla_state="breached")
    event = Event.objects.latest("id")
    for status in ("pending", "pending", "failed"):
        WebhookDeliveryFactory(webhook=webhook, event=event, status=status)
        event = EventFactory(type="t.e.x", entity_type="t", entity_id="1", payload={})
    approval = admin_a.post("/api/v1/approvals/requests", {"title": "t", "entity_type": "PurchaseOrder", "entity_id": "po-1",
                                                           "approver_ids": ["per_boss"]}, format="json").json()
    admin_a.post(f"/api/v1/approvals/requests/{approval['id']}/submit", {}, format="json")
    assert ApprovalRequest.objects.filter(status="pending").count() == 1
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    values = gauges(response.content.decode())
    assert values["backoffice_webhook_deliveries_queued"] == 2
    assert values["backoffice_webhook_deliveries_failed"] == 1
    assert values["backoffice_tickets_sla_breached"] == 1
    assert values["backoffice_approvals_waiting"] == 1
    assert values["backoffice_webhook_delivery_lag_seconds"] >= 0 and values["backoffice_outbox_lag_seconds"] > 0
    assert "django_http_requests_total_by_method_total" in response.content.decode()
