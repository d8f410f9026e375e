"""A staff agent saves a filtered ticket list and opens it again from the saved filters."""
import pytest
from django.urls import reverse

from apps.core.saved_filters import SavedFilter
from apps.helpdesk.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LIST = reverse("admin:helpdesk_ticket_changelist")


def listed(page) -> set[str]:
    return {row.locator("th, td").nth(1).inner_text().strip() for row in page.locator("#result_list tbody tr").all()}


def test_agent_saves_my_open_and_opens_it_again(page, login, seeded, artifacts):
    open_ones = set(Ticket.objects.filter(tenant_id="acme", status="open").values_list("number", flat=True))
    everyone = set(Ticket.objects.filter(tenant_id="acme").values_list("number", flat=True))
    assert open_ones and open_ones != everyone

    login("acme-agent")
    page.goto(LIST)
    assert listed(page) == everyone
    panel = page.get_by_test_id("saved-filters")
    assert "none yet" in panel.inner_text()

    page.locator("a.filter-open-button").click()  # unfold's filter sheet
    with page.expect_navigation():
        page.locator("#changelist-filter a[href*='status__exact=open']").first.click()
    assert "status__exact=open" in page.url and listed(page) == open_ones

    save = page.get_by_test_id("save-filter")
    save.get_by_label("Name of the saved filter").fill("My open")
    with page.expect_navigation():
        save.get_by_role("button", name="Save").click()
    assert any("Saved “My open”." in text for text in page.locator("ul li").all_inner_texts())
    assert "status__exact=open" in page.url and listed(page) == open_ones  # still the filtered list
    row = SavedFilter.objects.get()
    assert (row.tenant_id, row.owner_id, row.changelist, row.name, row.query, row.shared) == (
        "acme", "per_acme_agent", "helpdesk.ticket", "My open", "status__exact=open", False)

    page.goto(LIST)  # back to the plain list
    assert listed(page) == everyone
    with page.expect_navigation():
        page.get_by_test_id("saved-filters").get_by_role("link", name="My open").click()
    assert page.url.endswith(f"{LIST}?status__exact=open")
    assert listed(page) == open_ones
    chip = page.get_by_test_id("saved-filter")
    assert "bg-primary-600" in chip.get_attribute("class")  # the open one is marked
    page.screenshot(path=str(artifacts / "saved-filters-my-open.png"), full_page=True)

    with page.expect_navigation():
        chip.get_by_role("button", name="Delete saved filter My open").click()
    assert not SavedFilter.objects.exists()
    assert "status__exact=open" in page.url and "none yet" in page.get_by_test_id("saved-filters").inner_text()
