"""The portal's access reviews in Chromium at 1440 and 390 px (each page checked with axe, screenshots in
artifacts/portal-<width>-review*.png): a manager with four items of one campaign keeps one and revokes one
with a reason, is told to give a reason when revoking without one (nothing changes, the page stays as it
was), keeps the low-risk rest at once; an employee who reviews nothing sees an empty state."""
import pytest
from django.core.cache import cache

from apps.core.principal import Principal
from apps.directory.models import Person
from apps.reviews.actions import review_campaign_launch
from apps.reviews.models import ReviewItem
from tests.e2e.test_portal_browser import SIZES, check, sign_in
from tests.portal.conftest import world  # noqa: F401 (the portal's small world)
from tests.reviews import world as grants_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[1440], device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def both_widths(page, artifacts, name: str) -> None:
    for width in (1440, 390):
        page.set_viewport_size(SIZES[width])
        page.width = width
        check(page, artifacts, name)
    page.set_viewport_size(SIZES[1440])


def press(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_manager_reviews_a_campaign_and_someone_without_items_sees_none(tab, world, artifacts):  # noqa: F811
    cache.clear()
    Person.objects.filter(pk__in=["per_emp", "per_other"]).update(manager_id="per_ap1")
    roles = grants_world.catalog("acme", per_system=4, name="Payroll")  # risks low, low, medium, high
    max_, erika = Person.objects.get(pk="per_emp"), Person.objects.get(pk="per_other")
    grants_world.grants("acme", [erika], roles[:2])
    grants_world.grants("acme", [max_], roles[2:])
    campaign = review_campaign_launch(actor=Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"it"})),
                                      review_campaign=grants_world.campaign("acme", owner_id="per_it"))
    items = {(i.holder_id, i.entitlement.name): i for i in ReviewItem.objects.filter(campaign=campaign)
             .select_related("entitlement")}
    assert len(items) == 4 and {i.reviewer_id for i in items.values()} == {"per_ap1"}

    def status(holder, role):  # (status, reason) as stored
        return ReviewItem.objects.values_list("status", "decision_reason").get(pk=items[(holder, role)].pk)

    page = tab
    sign_in(page, "grace")
    page.click("nav >> text=Waiting for me")
    press(page, "[data-testid=access-reviews-link]")
    rows = page.locator("ul.rows li")
    assert rows.count() == 4
    text = page.inner_text("main")
    for who, role, risk in (("Erika Musterfrau", "Role 0", "Low risk"), ("Max Mustermann", "Role 3", "High risk")):
        row = rows.filter(has_text=f"{who}: Payroll 0 · {role}")
        assert row.count() == 1 and risk in row.inner_text(), text
    assert "per_" not in text and campaign.name in text
    both_widths(page, artifacts, "reviews")

    press(page, "ul.rows a:has-text('Max Mustermann: Payroll 0 · Role 2')")
    facts = page.inner_text("dl.facts")
    assert "Max Mustermann" in facts and "Payroll 0 · Role 2" in facts and "Medium" in facts and "per_" not in facts
    both_widths(page, artifacts, "review")
    page.fill("textarea[name=comment]", "Runs the monthly payroll close")
    press(page, "button[value=keep]")
    assert status("per_emp", "Role 2") == ("kept", "Runs the monthly payroll close")
    assert "Kept." in page.inner_text("main") and page.locator("ul.rows li").count() == 3

    press(page, "ul.rows a:has-text('Max Mustermann: Payroll 0 · Role 3')")
    press(page, "button[value=revoke]")
    assert "Say why" in page.inner_text("[role=alert]")
    assert status("per_emp", "Role 3") == ("pending", "")
    assert page.get_attribute("textarea[name=comment]", "aria-invalid") == "true"
    both_widths(page, artifacts, "review-error")
    page.fill("textarea[name=comment]", "Moved to marketing: no payroll admin")
    press(page, "button[value=revoke]")
    assert status("per_emp", "Role 3") == ("revoked", "Moved to marketing: no payroll admin")
    assert "Revoked" in page.inner_text("main") and page.locator("ul.rows li").count() == 2

    bulk = page.get_by_test_id("keep-low-risk")
    assert "2 low-risk" in bulk.inner_text()
    bulk.get_by_label("why are they still needed?").fill("Everyone in payroll reads these")
    press(page, "[data-testid=keep-low-risk] button")
    assert {status("per_other", r) for r in ("Role 0", "Role 1")} == {("kept", "Everyone in payroll reads these")}
    assert ReviewItem.objects.filter(campaign=campaign, status="pending").count() == 0
    both_widths(page, artifacts, "reviews-done")

    sign_in(page, "max")
    page.goto("/portal/reviews/")
    assert "No access review waits for you." in page.inner_text("main")
    both_widths(page, artifacts, "reviews-empty")
