"""The admin's tenant boundary: choices, forged ids on POST, the dashboard per role, users of no tenant,
superusers choosing a tenant, keys and secrets shown once, service errors as form errors."""
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.models import Tenant
from apps.helpdesk.models import Ticket
from apps.integration.models import Application, Connector, IntegrationApiKey, Webhook
from apps.operations.models import AccessRequest, HRRequest, Pending, Travel
from tests.admin.forms import page_as_posted
from tests.admin.seeding import USERS, seeded_module


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


@pytest.fixture
def as_user(client, seeded, db):
    def sign_in(who: str):
        client.force_login(User.objects.get(username=USERS.get(who, who)))
        return client
    return sign_in


def app_of(tenant: str) -> Application:
    return Application.objects.get(tenant_id=tenant, slug="hr-portal")


@pytest.mark.parametrize("model,url_name", [
    (IntegrationApiKey, "integration_integrationapikey"), (Webhook, "integration_webhook"),
    (Connector, "integration_connector")])
def test_choices_of_another_tenant_are_absent_and_refused(as_user, model, url_name):
    client = as_user("admin")
    mine, theirs = app_of("acme"), app_of("globex")
    obj = model.objects.filter(tenant_id="acme").first()
    page = client.get(reverse(f"admin:{url_name}_change", args=[obj.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.pk in html and theirs.pk not in html
    assert theirs.pk not in html and theirs.pk not in page.context["adminform"].form.fields["application"].queryset \
        .values_list("pk", flat=True)
    before = model.objects.filter(pk=obj.pk).values().get()

    data = page_as_posted(page) | {"application": theirs.pk}
    response = client.post(reverse(f"admin:{url_name}_change", args=[obj.pk]), data)

    assert response.status_code == 200  # the form again, with the error
    assert "application" in response.context["adminform"].form.errors
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_add_form_refuses_a_forged_application(as_user):
    client = as_user("admin")
    theirs = app_of("globex")
    page = client.get(reverse("admin:integration_integrationapikey_add"))
    assert page.status_code == 200 and theirs.pk not in page.content.decode()
    count = IntegrationApiKey.objects.count()
    response = client.post(reverse("admin:integration_integrationapikey_add"),
                           {"name": "forged", "kind": "service", "scopes": "[]", "allowed_models": "[]", "tags": "[]",
                            "source": "edm", "application": theirs.pk})
    assert response.status_code == 200 and "application" in response.context["adminform"].form.errors
    assert IntegrationApiKey.objects.count() == count


def test_api_key_created_in_the_admin_shows_the_raw_key_once(as_user):
    from apps.integration.auth import hash_key

    client = as_user("admin")
    response = client.post(reverse("admin:integration_integrationapikey_add"),
                           {"name": "payroll export", "kind": "service", "scopes": '["operations:read"]',
                            "allowed_models": "[]", "tags": "[]", "source": "edm", "application": app_of("acme").pk})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    key = IntegrationApiKey.objects.get(tenant_id="acme", name="payroll export")
    assert response["Location"] == reverse("admin:integration_integrationapikey_change", args=[key.pk])
    assert key.created_by == "per_acme_admin" and key.source_type == "backend" and key.application_id == app_of("acme").pk

    shown = client.get(response["Location"])
    raw = re.search(r'data-testid="one-time-secret-value">([^<]+)<', shown.content.decode()).group(1)
    assert raw.startswith("sk-") and hash_key(raw) == key.key_hash
    again = client.get(response["Location"])
    assert raw not in again.content.decode() and 'data-testid="one-time-secret"' not in again.content.decode()
    assert key.key_hash not in again.content.decode()


def test_members_cannot_create_api_keys(as_user):
    assert as_user("agent").get(reverse("admin:integration_integrationapikey_add")).status_code == 403


def test_webhook_created_in_the_admin_shows_the_secret_once(as_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client = as_user("admin")
    client.raise_request_exception = False
    response = client.post(reverse("admin:integration_webhook_add"), {
        "name": "audit", "direction": "outbound", "url": "http://127.0.0.1:9/hook", "event_types": '["*"]',
        "signature_scheme": "standard-webhooks-v1", "headers": "{}", "enabled": "on", "retry_policy": "{}",
        "tags": "[]", "source": "edm", "application": app_of("acme").pk})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    hook = Webhook.objects.get(tenant_id="acme", name="audit")
    shown = client.get(response["Location"]).content.decode()
    secret = re.search(r'data-testid="one-time-secret-value">([^<]+)<', shown).group(1)
    assert secret.startswith("whsec_") and secret not in client.get(response["Location"]).content.decode()
    assert hook.secret_fingerprint


def test_a_refused_webhook_url_is_a_form_error_and_nothing_changes(as_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # 127.0.0.1 is refused, without any DNS lookup
    client = as_user("admin")
    hook = Webhook.objects.get(tenant_id="acme")
    url = reverse("admin:integration_webhook_change", args=[hook.pk])
    before = Webhook.objects.filter(pk=hook.pk).values().get()
    response = client.post(url, page_as_posted(client.get(url)) | {"url": "http://127.0.0.1:8080/other"})
    assert response.status_code == 200
    assert "Refused target" in str(response.context["adminform"].form.errors)
    assert Webhook.objects.filter(pk=hook.pk).values().get() == before


def test_staff_without_membership_see_nothing(as_user):
    client = as_user("no_membership")
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and page.context["tenant"] is None and not page.context["choose_tenant"]
    html = page.content.decode()
    assert "all tenants" not in html and "acme" not in html and "globex" not in html
    assert "TKT-" not in html and "Requests waiting" not in html
    assert client.get(reverse("admin:helpdesk_ticket_changelist")).status_code == 403
    ticket = Ticket.objects.filter(tenant_id="acme").first()
    assert client.get(reverse("admin:helpdesk_ticket_change", args=[ticket.pk])).status_code in (403, 404)


def rows_of(client, url: str) -> set[str]:
    page = client.get(url)
    assert page.status_code == 200, url
    return set(re.findall(r'name="_selected_action" value="([^"]+)"', page.content.decode()))


@pytest.mark.parametrize("who", ["admin", "approver", "it", "hr", "agent", "travel", "member", "superuser"])
def test_dashboard_counts_equal_their_lists_and_follow_roles(as_user, who):
    client = as_user(who)
    page = client.get(reverse("admin:index"), {"tenant_id": "acme"} if who == "superuser" else {})
    context = page.context
    assert context["tenant"] == "acme"
    links = [(label, count, url) for label, count, url in context["waiting"]]
    panels = [("my approvals", "my_approvals"), ("overdue", "overdue"), ("SLA breached", "sla_breached"),
              ("SLA warning", "sla_warning")]
    links += [(label, context[f"{key}_count"], context[f"{key}_url"]) for label, key in panels if f"{key}_count" in context]
    # the ticket panels are the agents' (and admins'): nobody else gets a panel of zeros
    assert ("overdue_count" in context) == (who in ("admin", "agent", "superuser"))
    for label, count, url in links:
        assert len(rows_of(client, url)) == count, (who, label, url)
    html = page.content.decode()
    foreign = set(Ticket.objects.filter(tenant_id="globex").values_list("id", flat=True))
    assert not any(pk in html for pk in foreign)


def test_dashboard_hides_what_the_role_may_not_see(as_user):
    travel = as_user("travel").get(reverse("admin:index")).context
    assert "overdue" not in travel and "failing_webhooks" not in travel  # not the travel desk's work: no panel
    waiting = {label: count for label, count, _ in travel["waiting"]}
    assert "HR requests open" not in waiting and waiting["Travel to book"] == Travel.objects.filter(
        tenant_id="acme", status="approved").count()
    admin = {label: count for label, count, _ in as_user("admin").get(reverse("admin:index")).context["waiting"]}
    assert admin["HR requests open"] == HRRequest.objects.filter(
        tenant_id="acme", status__in=["pending", "in_progress"]).count() > 0
    assert admin["Queue items"] == Pending.objects.filter(tenant_id="acme").exclude(status="completed").count()
    assert admin["Access to approve"] == AccessRequest.objects.filter(tenant_id="acme", status="pending").count()


def test_superuser_of_no_tenant_picks_a_tenant(as_user):
    client = as_user("superuser")
    page = client.get(reverse("admin:index"))
    assert page.context["tenant"] is None and page.context["choose_tenant"]
    listing = client.get(reverse("admin:helpdesk_ticket_changelist"))
    assert "tenant_id" in listing.context["cl"].list_display
    assert re.search(r"column-tenant_id", listing.content.decode())

    add = reverse("admin:helpdesk_slapolicy_add")
    form = client.get(add).context["adminform"].form
    assert form.fields["tenant"].required and "default" not in dict(form.fields["tenant"].choices)
    data = {"name": "Gold", "priority": "high", "applies_to": '["incident"]', "first_response_minutes": "30",
            "resolution_minutes": "240", "status": "active", "tags": "[]", "source": "edm"}
    count = Ticket.objects.count()
    refused = client.post(add, data)
    assert refused.status_code == 200 and "tenant" in refused.context["adminform"].form.errors
    from apps.helpdesk.models import SLAPolicy

    assert not SLAPolicy.objects.filter(name="Gold").exists()
    created = client.post(add, data | {"tenant": "globex"})
    assert created.status_code == 302, created.context["adminform"].form.errors if created.context else ""
    policy = SLAPolicy.objects.get(name="Gold")
    assert policy.tenant_id == "globex" and policy.created_by == "admin:admin"
    assert not Tenant.objects.filter(pk="default").exists() and Ticket.objects.count() == count


def test_superuser_cannot_link_records_of_two_tenants(as_user):
    client = as_user("superuser")
    count = IntegrationApiKey.objects.count()
    response = client.post(reverse("admin:integration_integrationapikey_add"), {
        "tenant": "acme", "name": "mixed", "kind": "service", "scopes": "[]", "allowed_models": "[]", "tags": "[]",
        "source": "edm", "application": app_of("globex").pk})
    assert response.status_code == 200 and "application" in response.context["adminform"].form.errors
    assert IntegrationApiKey.objects.count() == count
