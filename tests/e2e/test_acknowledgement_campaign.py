"""HR runs an acknowledgement campaign in a real browser: creates it for a team, launches it, and
watches progress move on the list and the change page as people acknowledge (counted at launch and
on "Recount now")."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.policies.models import AcknowledgementCampaign, Policy
from apps.policies.services import policy_acknowledge
from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


def test_hr_creates_launches_and_follows_a_campaign(page, login, seeded, artifacts):
    policy = Policy.objects.get(tenant_id="acme", name="Acceptable use")  # published by the seed
    login("acme-hr")
    page.goto(reverse("admin:policies_acknowledgementcampaign_add"))
    autocomplete(page, "policy", policy.name)
    page.select_option("[name=audience]", "groups")
    autocomplete(page, "groups", "Engineering")
    due = timezone.now() + timedelta(days=14)
    page.fill("[name=due_at_0]", due.strftime("%Y-%m-%d"))
    page.fill("[name=due_at_1]", "17:00:00")
    page.fill("[name=remind_every_days]", "3")
    page.fill("[name=message]", "Please read the updated rules before the audit.")
    page.screenshot(path=str(artifacts / "campaign-add.png"), full_page=True)
    save(page)
    assert not page.locator(".errorlist").all_inner_texts()

    campaign = AcknowledgementCampaign.objects.get(tenant_id="acme")
    assert (campaign.policy_id, campaign.version, campaign.status, campaign.created_by) == (
        policy.pk, policy.version, "draft", "per_acme_hr")
    assert list(campaign.groups.values_list("display_name", flat=True)) == ["Engineering"]

    page.goto(reverse("admin:policies_acknowledgementcampaign_change", args=[campaign.pk]))
    with page.expect_navigation():
        page.get_by_test_id("fsm-transitions").get_by_role("button", name="Launch").click()
    campaign.refresh_from_db()
    assert campaign.status == "open" and campaign.launched_at is not None

    # The seed's member acknowledged the policy already; the approver does now.
    policy_acknowledge(actor=Principal(person_id="per_acme_approver", tenant_id="acme"), obj=policy)
    page.goto(reverse("admin:policies_acknowledgementcampaign_change", args=[campaign.pk]))
    assert "2 of 3 (66.7 %)" in page.locator(".ack-progress").first.inner_text()  # counted as it was made
    with page.expect_navigation():
        page.get_by_test_id("recount").click()
    assert "Counted: 2 of 3 acknowledged." in page.content()
    summary = page.locator(".ack-progress").first.inner_text()
    assert "2 of 3 (66.7 %)" in summary, summary
    outstanding = page.locator("li.ack-outstanding").all_inner_texts()
    left = Person.objects.get(pk="per_acme_member2")  # the one of the three who has not
    assert outstanding == [left.label], outstanding
    page.screenshot(path=str(artifacts / "campaign-progress.png"), full_page=True)

    page.goto(reverse("admin:policies_acknowledgementcampaign_changelist"))
    row = page.locator("#result_list tbody tr").first
    assert "2 of 3 (66.7 %)" in row.inner_text()
    page.screenshot(path=str(artifacts / "campaign-list.png"), full_page=True)
