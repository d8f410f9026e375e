"""Forms show what belongs, and each role sees its work: gateway limits only on LLM keys, the seed's
service levels tucked away, webhook maps as `name: value` rows and a test event from the webhook's
page; approvers never edit or delete the requester's content; a delegate never decides another step
of the same request; the sidebar and the dashboard's panels follow the roles whose work a model is."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit
from apps.core.principal import Principal
from apps.integration.models import IntegrationApiKey, Webhook, WebhookDelivery
from apps.integration.services import integration_api_key_update
from apps.operations.models import AccessRequest
from tests.core.test_admin_base import staff
from tests.factories import PolicyFactory, StaffMembershipFactory
from tests.operations.test_operations_api import create, people, url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_admin_a", tenant_id="acme", roles=frozenset({"admin"}))


def test_gateway_limits_only_on_virtual_llm_keys(admin_a, client):
    refused = admin_a.post("/api/v1/integration/api-keys", {"name": "k", "kind": "service", "tenant_wide": True,
                                                             "tpm_limit": 1000}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "tpm_limit"
    assert not IntegrationApiKey.all_objects.exists()
    llm = admin_a.post("/api/v1/integration/api-keys", {"name": "gw", "kind": "virtual_llm", "tenant_wide": True,
                                                         "tpm_limit": 1000, "allowed_models": ["gpt"]}, format="json")
    assert llm.status_code == 201, llm.content
    service = admin_a.post("/api/v1/integration/api-keys", {"name": "svc", "tenant_wide": True}, format="json").json()
    staff(client, "acme", "ada", ["admin"])
    add = client.get(reverse("admin:integration_integrationapikey_add")).content.decode()
    assert "AI gateway (virtual LLM keys only)" in add
    assert 'name="tpm_limit"' not in client.get(
        reverse("admin:integration_integrationapikey_change", args=[service["id"]])).content.decode()
    assert 'name="tpm_limit"' in client.get(
        reverse("admin:integration_integrationapikey_change", args=[llm.json()["id"]])).content.decode()
    key = IntegrationApiKey.objects.get(pk=service["id"])
    with pytest.raises(ValidationError) as refused:  # blocking says why, whoever blocks
        integration_api_key_update(actor=ADMIN, obj=key, data={"blocked": True})
    assert "blocked_reason" in refused.value.message_dict
    assert not IntegrationApiKey.objects.get(pk=key.pk).blocked


def test_webhook_rows_and_a_test_event_from_its_page(client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    staff(client, "acme", "ada", ["admin"])
    add = reverse("admin:integration_webhook_add")
    page = client.get(add)
    management = {f"{inline.formset.prefix}-{name}": value for inline in page.context["inline_admin_formsets"]
                  for name, value in inline.formset.management_form.initial.items()}
    data = {**management, "name": "w", "direction": "outbound", "url": "http://hooks.invalid/x",
            "signature_scheme": "standard-webhooks-v1", "enabled": "on",
            "headers__key": ["X-Team", ""], "headers__value": ["platform", ""],  # rows, the last left blank
            "retry_policy__key": ["maxAttempts", "backoff"], "retry_policy__value": ["5", "linear"]}
    refused = client.post(add, {**data, "retry_policy__value": ["50", "linear"]})  # beyond 20
    assert refused.status_code == 200 and "retry_policy" in refused.context["adminform"].form.errors
    form = refused.context["adminform"].form  # what was typed stays
    assert form["headers"].value()[0] == ("X-Team", "platform")
    assert form["retry_policy"].value()[0] == ("maxAttempts", "50")
    assert not Webhook.all_objects.exists()
    saved = client.post(add, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    webhook = Webhook.objects.get()
    assert webhook.retry_policy == {"maxAttempts": 5, "backoff": "linear"} and list(webhook.headers) == ["X-Team"]
    response = client.get(reverse("admin:integration_webhook_change", args=[webhook.pk]))
    assert sorted(response.context["adminform"].form["retry_policy"].value()) == [("backoff", "linear"), ("maxAttempts", "5")]
    page = response.content.decode()
    assert page.count('data-testid="key-value-rows"') == 2  # headers and the retry policy as rows
    assert 'data-testid="send-test-event"' in page
    send = reverse("admin:integration_webhook_send_test", args=[webhook.pk])
    assert client.get(send).status_code == 405 and not WebhookDelivery.objects.exists()
    assert client.post(send).status_code == 302
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["integration.webhook.test"]


def test_the_policy_form_tucks_away_the_seed_fields_and_offers_no_check_permission_box(client):
    policy = PolicyFactory(name="Remote work")
    staff(client, "acme", "hanna", ["hr"])
    page = client.get(reverse("admin:policies_policy_change", args=[policy.pk])).content.decode()
    assert "Service levels (optional)" in page and 'name="first_response_minutes"' in page
    assert 'name="check_permission"' not in page


def test_an_approver_neither_rewrites_nor_deletes_the_requesters_content(people, client):
    record = create(people["member"], "AccessRequest")
    edit = people["approver"].patch(url("AccessRequest", record), {"justification": "Changed by the approver"}, format="json")
    assert edit.status_code == 403 and edit.json()["errors"][0]["field"] == "justification"
    assert people["approver"].delete(url("AccessRequest", record)).status_code == 409
    assert AccessRequest.objects.get().justification == "Deploy access"
    assert people["member"].patch(url("AccessRequest", record), {"justification": "Release work"},
                                  format="json").status_code == 200  # the requester still may
    staff(client, "acme", "approver", ["approver"])
    page = client.get(reverse("admin:operations_accessrequest_change", args=[record["id"]]))
    assert "justification" not in page.context["adminform"].form.fields and not page.context["has_delete_permission"]


def test_a_delegate_never_decides_another_step_of_the_request(caller):
    for pid in ("per_ann", "per_bob", "per_cy"):
        StaffMembershipFactory(tenant__id="acme", person_id=pid, user__username=pid, roles=["approver"])
    request = approval_request_create(actor=Principal(person_id="per_req", tenant_id="acme"),
                                      data={"title": "Server", "approver_ids": ["per_ann", "per_bob"]})
    approval_request_submit(actor=Principal(person_id="per_req", tenant_id="acme"), approval_request=request)
    first = request.steps.get(step_index=0)
    ann = caller("acme", "per_ann", ("approver",))
    refused = ann.post(f"/api/v1/approvals/steps/{first.pk}/delegate", {"delegated_to_id": "per_bob"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "delegated_to_id"
    assert ApprovalStep.objects.get(pk=first.pk).delegated_to_id is None
    assert ann.post(f"/api/v1/approvals/steps/{first.pk}/delegate", {"delegated_to_id": "per_cy"},
                    format="json").status_code == 200


def test_the_sidebar_and_the_dashboard_follow_the_roles_work(client):
    staff(client, "acme", "hanna", ["hr"])
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"HRRequest", "Policy", "Pending", "ApprovalStep"} <= models
    assert not {"Ticket", "SLAPolicy", "AccessRequest", "Webhook"} & models
    assert "sla" not in str(index.context.get("panels", "")) and "overdue_count" not in index.context
    client.logout()
    staff(client, "acme", "sam", ["agent"])
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"Ticket", "SLAPolicy"} <= models and "HRRequest" not in models
    assert "overdue_count" in index.context
