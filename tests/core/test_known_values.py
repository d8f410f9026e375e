"""Fields with a known set of values: an unknown one is a 400 problem+json in the API and a form error
in the admin, and nothing is saved (ticket types an SLA governs, the record type a chain is for, webhook
event types from the event registry, API-key scopes from the scope registry). The admin offers them
as choices, read from the same registries."""
import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalChain
from apps.core.event_registry import event_types
from apps.core.scopes import scope_choices
from apps.helpdesk.models import SLAPolicy
from apps.integration.models import IntegrationApiKey, Webhook
from tests.core.test_admin_base import staff

pytestmark = pytest.mark.django_db
SLA = {"name": "Changes", "priority": "high", "first_response_minutes": 30, "resolution_minutes": 240}


def refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}


def test_sla_policy_ticket_types(admin_a):
    refused(admin_a.post("/api/v1/helpdesk/sla-policies", {**SLA, "applies_to": ["changes"]}, format="json"), "applies_to")
    assert not SLAPolicy.objects.exists()
    created = admin_a.post("/api/v1/helpdesk/sla-policies", {**SLA, "applies_to": ["change"]}, format="json")
    assert created.status_code == 201 and created.json()["applies_to"] == ["change"]
    refused(admin_a.patch(f"/api/v1/helpdesk/sla-policies/{created.json()['id']}", {"applies_to": ["incident", "bug"]},
                          format="json"), "applies_to")
    assert SLAPolicy.objects.get().applies_to == ["change"]


def test_sla_policy_admin_offers_the_ticket_types(client):
    staff(client, "acme", "ada", ["admin"])
    url = reverse("admin:helpdesk_slapolicy_add")
    page = client.get(url).content.decode()
    assert 'name="applies_to" value="service_request"' in page  # a checkbox per ticket type
    form = {"name": "Changes", "priority": "high", "first_response_minutes": "30", "resolution_minutes": "240",
            "status": "active", "description": "typed text", "applies_to": ["changes"]}
    response = client.post(url, form)
    assert response.status_code == 200 and "applies_to" in response.context["adminform"].form.errors
    assert "typed text" in response.content.decode()  # a form error keeps what was typed
    assert not SLAPolicy.objects.exists()
    assert client.post(url, {**form, "applies_to": ["change", "incident"]}).status_code == 302
    assert SLAPolicy.objects.get().applies_to == ["change", "incident"]


def test_approval_chain_is_for_a_record_type_approvals_decide(client):
    staff(client, "acme", "ada", ["admin"])
    url = reverse("admin:approvals_approvalchain_add")
    page = client.get(url).content.decode()
    assert '<option value="Travel"' in page and '<option value="AccessRequest"' in page
    form = {"name": "Trips", "approver_ids": "manager", "is_active": "on"}
    response = client.post(url, {**form, "entity_type": "Trip"})
    assert response.status_code == 200 and "entity_type" in response.context["adminform"].form.errors
    assert not ApprovalChain.objects.exists()
    saved = client.post(url, {**form, "entity_type": "Travel"})
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert ApprovalChain.objects.get().entity_type == "Travel"


def test_webhook_event_types_come_from_the_event_registry(admin_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert {"helpdesk.ticket.created", "operations.travel.booked", "helpdesk.ticket.sla_breached"} <= event_types()
    hook = {"name": "w", "url": "http://hooks.invalid/x"}
    for typo in (["helpdesk.tickets.created"], ["helpdesk.ticket.creatd"], ["crm.*"], ["helpdesk.ticket"]):
        refused(admin_a.post("/api/v1/integration/webhooks", {**hook, "event_types": typo}, format="json"), "event_types")
    assert not Webhook.all_objects.exists()
    good = ["helpdesk.*", "operations.travel.*", "policies.policy.acknowledged"]
    created = admin_a.post("/api/v1/integration/webhooks", {**hook, "event_types": good}, format="json")
    assert created.status_code == 201, created.content
    assert Webhook.objects.get().event_types == good


def test_api_key_scopes_come_from_the_scope_registry(admin_a):
    assert ("operations:write", "Operations: read and write") in scope_choices()
    refused(admin_a.post("/api/v1/integration/api-keys", {"name": "k", "scopes": ["tickets:read"], "tenant_wide": True}, format="json"), "scopes")
    assert not IntegrationApiKey.all_objects.exists()
    created = admin_a.post("/api/v1/integration/api-keys", {"name": "k", "scopes": ["helpdesk:read"], "tenant_wide": True}, format="json")
    assert created.status_code == 201, created.content
    assert IntegrationApiKey.objects.get().scopes == ["helpdesk:read"]


def test_webhook_and_key_admin_forms_offer_the_registries(client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    staff(client, "acme", "ada", ["admin"])
    page = client.get(reverse("admin:integration_webhook_add")).content.decode()
    assert 'value="operations.travel.booked"' in page and 'value="helpdesk.*"' in page
    page = client.get(reverse("admin:integration_integrationapikey_add")).content.decode()
    assert 'value="policies:write"' in page
    response = client.post(reverse("admin:integration_integrationapikey_add"),
                           {"name": "k", "kind": "service", "scopes": ["tickets:read"], "tenant_wide": "on"})
    assert response.status_code == 200 and "scopes" in response.context["adminform"].form.errors
    assert not IntegrationApiKey.all_objects.exists()
