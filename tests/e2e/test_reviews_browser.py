"""An access review in a real browser: the campaign owner (acme-it) launches the demo's quarterly
review, a manager-reviewer (acme-approver) keeps their low-risk items at once and revokes one with a
reason, the admin (acme-admin) follows the progress and closes it; at 1440 and 390 px."""
import pytest
from django.urls import reverse

from apps.directory.models import Person
from apps.integration.catalog_models import Entitlement
from apps.reviews.models import ReviewCampaign, ReviewItem
from tests.reviews import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def shots(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"{name}-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_owner_launches_a_manager_reviews_and_the_admin_closes(page, login, seeded, artifacts):
    Person.objects.filter(tenant_id="acme", pk__in=["per_acme_member", "per_acme_member2"]).update(
        manager_id="per_acme_approver")
    holders = list(Person.objects.filter(tenant_id="acme", pk__in=["per_acme_member", "per_acme_member2"]))
    ents = list(Entitlement.objects.filter(tenant_id="acme", name__in=["wiki-readers", "read-only"]))
    world.grants("acme", holders, ents)
    campaign = ReviewCampaign.objects.get(tenant_id="acme", status="draft")
    url = reverse("admin:reviews_reviewcampaign_change", args=[campaign.pk])

    login("acme-it")
    page.goto(url)
    press(page, "Launch")
    assert page.get_by_test_id("review-progress").is_visible()
    shots(page, artifacts, "review-owner-launched")
    campaign.refresh_from_db()
    assert campaign.status == "open" and campaign.items_total == 4
    assert set(ReviewItem.objects.filter(campaign=campaign).values_list("reviewer_id", flat=True)) == {"per_acme_approver"}

    page.context.clear_cookies()
    login("acme-approver")
    page.goto(url)
    page.get_by_test_id("keep-low-risk").locator("input[name=comment]").fill("Everyone on the team reads the wiki")
    press(page, "Keep my low-risk items")
    assert ReviewItem.objects.filter(campaign=campaign, status="kept").count() == 2
    page.get_by_test_id("my-review-items").click()
    page.wait_for_load_state()
    shots(page, artifacts, "review-manager-items")
    item = ReviewItem.objects.filter(campaign=campaign, status="pending").first()
    page.goto(reverse("admin:reviews_reviewitem_change", args=[item.pk]))
    page.fill("#transition-comment", "Moved to sales: no production access")
    press(page, "Revoke")
    item.refresh_from_db()
    assert (item.status, item.decided_by_id, item.revoke_state) == ("revoked", "per_acme_approver", "waiting")
    shots(page, artifacts, "review-manager-revoked")

    page.context.clear_cookies()
    login("acme-admin")
    page.goto(url)
    assert "3 of 4 decided" in page.get_by_test_id("review-progress").inner_text()
    shots(page, artifacts, "review-admin-progress")
    press(page, "Close")
    campaign.refresh_from_db()
    assert campaign.status == "closed" and campaign.items_revoked == 1 and campaign.items_unanswered == 1
    shots(page, artifacts, "review-admin-closed")
