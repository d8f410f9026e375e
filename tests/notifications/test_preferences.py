"""Preferences: kinds turned off (never mandatory ones), the daily digest, one-click unsubscribe."""
import pytest
from django.test import Client

from apps.approvals.services import approval_step_approve
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from apps.notifications.choices import NotificationStatus as S
from apps.notifications.engine import run_pass
from apps.notifications.links import PreferencesLink, preferences_url, unsubscribe_url
from apps.notifications.models import Notification, Preference
from tests.factories import PreferenceFactory, SLAPolicyFactory
from tests.notifications.conftest import path_of, step_of

pytestmark = pytest.mark.django_db
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
ANN = Principal(person_id="per_ann", tenant_id="acme", roles=frozenset({"approver"}))


def assign_ticket(title="VPN down", priority="high"):
    return ticket_create(actor=BOSS, data={"title": title, "priority": priority, "assigned_to_id": "per_agent"})


def test_one_click_unsubscribe_turns_that_kind_off(smtp, team):
    assign_ticket()
    run_pass()
    [mail] = smtp.to("agent@acme.test")
    url = mail.message["List-Unsubscribe"].strip()[1:-1]
    # RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click, with no session and no CSRF token
    page = Client(enforce_csrf_checks=True).post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200 and b"You are unsubscribed" in page.content
    assert Preference.objects.get(person_id="per_agent").disabled_kinds == ["ticket_assigned"]
    assign_ticket("Printer")
    run_pass()
    assert len(smtp.to("agent@acme.test")) == 1
    skipped = Notification.objects.get(status=S.SKIPPED)
    assert skipped.recipient_id == "per_agent" and "turned off" in skipped.last_error


def test_the_unsubscribe_page_asks_first_and_refuses_mandatory_kinds(client, team):
    optional = unsubscribe_url(PreferencesLink(tenant_id="acme", person_id="per_agent", kind="ticket_assigned"))
    page = client.get(path_of(optional))
    assert page.status_code == 200 and b"Unsubscribe?" in page.content and not Preference.objects.exists()
    mandatory = unsubscribe_url(PreferencesLink(tenant_id="acme", person_id="per_ann", kind="approval_requested"))
    page = client.post(path_of(mandatory))
    assert page.status_code == 200 and b"cannot be turned off" in page.content and not Preference.objects.exists()


def test_mandatory_kinds_are_sent_even_when_listed_as_off(smtp, team, access):
    PreferenceFactory(person_id="per_ann", disabled_kinds=["approval_requested"])
    run_pass()
    assert len(smtp.to("ann@acme.test")) == 1


def test_the_preferences_page_saves_kinds_and_the_digest(client, team):
    url = path_of(preferences_url(PreferencesLink(tenant_id="acme", person_id="per_agent", kind="ticket_assigned")))
    page = client.get(url)
    assert page.status_code == 200 and b"Tickets assigned to you" in page.content
    saved = client.post(url, {"kinds": ["ticket_reply", "approval_requested"], "digest": "on"})
    assert saved.status_code == 200 and b"Saved." in saved.content
    pref = Preference.objects.get(person_id="per_agent", tenant_id="acme")
    assert pref.digest is True
    assert pref.disabled_kinds == ["access_expiring", "access_review_outcome", "access_review_reminder",
                                   "approval_reminder", "connector_credentials", "offboarding_opened",
                                   "offboarding_trouble", "policy_acknowledgement_reminder",
                                   "request_update", "sla_warning", "ticket_assigned", "ticket_update"]


def test_the_daily_digest_gathers_the_days_mail_into_one_with_working_links(smtp, team, access, client):
    PreferenceFactory(person_id="per_boss", digest=True)
    PreferenceFactory(person_id="per_agent", digest=True)
    approval_step_approve(actor=ANN, approval_step=step_of(access))  # the boss's step is now theirs
    ticket_create(actor=ANN, data={"title": "Laptop", "assigned_to_id": "per_boss"})
    run_pass()
    assert smtp.to("boss@acme.test") == []  # nothing at once
    assert Notification.objects.filter(recipient_id="per_boss", status=S.DIGEST_QUEUED).count() == 2

    counts = run_pass(digests=True)
    assert counts["digests"] == 1 and counts["sent"] == 1
    [digest] = smtp.to("boss@acme.test")
    assert digest.subject == "[Acme Corp] Your daily digest: 2 notifications"
    assert "Approval needed" in digest.part("plain") and "Laptop" in digest.part("html")
    [decide] = digest.links("decide")
    assert client.post(path_of(decide), {"decision": "approve"}).status_code == 200
    access.refresh_from_db()
    assert access.status == "approved"
    assert run_pass(digests=True)["sent"] == 1  # the requester hears at once; no second digest today
    assert len(smtp.to("boss@acme.test")) == 1
    assert set(Notification.objects.filter(recipient_id="per_boss").values_list("status", flat=True)) == {
        S.DIGESTED, S.SENT}


def test_urgent_kinds_skip_the_digest(smtp, team):
    from datetime import timedelta

    from django.utils import timezone

    from apps.helpdesk.services import ticket_sla_sweep

    PreferenceFactory(person_id="per_agent", digest=True)
    SLAPolicyFactory(name="high", priority="high", first_response_minutes=10, resolution_minutes=60)
    assign_ticket()
    ticket_sla_sweep(now=timezone.now() + timedelta(minutes=11))
    run_pass()
    assert [m.subject.split(" on ")[0] for m in smtp.to("agent@acme.test")] == [
        "[Acme Corp] SLA warning", "[Acme Corp] SLA breached"]
    assert Notification.objects.get(kind="ticket_assigned").status == S.DIGEST_QUEUED
