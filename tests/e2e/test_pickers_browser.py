"""Issue 35 in a real browser, each page as the role that uses it, at 1440 and 390 px: the agent finds a
canned reply by typing and the reply box fills itself for the ticket; HR finds a letter template (the
request's type first); IT finds a connector for an access system and saves it. axe finds nothing serious on
the pages with a choice made; nothing scrolls sideways on a phone. Screenshots go to artifacts/."""
import pytest
from django.urls import reverse

from apps.helpdesk.models import Ticket
from apps.integration.models import AccessSystem
from apps.operations.models import HRRequest
from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe
from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {1440: {"width": 1440, "height": 1000}, 390: {"width": 390, "height": 844}}


def looks_right(page, artifacts, name: str, width: int) -> None:
    page.screenshot(path=str(artifacts / f"picker-{name}-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width} px"
    if AXE_MISSING is None:
        found = axe_violations(page)
        assert not found, describe(found)


def open_picker(page, name: str, text: str) -> list[str]:
    """Open the picker of the field `name`, type `text`; the options it offers."""
    page.locator(f"select[name={name}] + .select2 .select2-selection").click()
    page.keyboard.type(text)
    page.wait_for_function("""term => { const shown = [...document.querySelectorAll('.select2-results__option')];
        return shown.length && shown.every(o => o.textContent.toLowerCase().includes(term)) }""", arg=text.lower())
    return page.locator(".select2-results__option").all_inner_texts()


def dropdown_fits(page, width: int) -> None:
    box = page.locator(".select2-container--open .select2-dropdown").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_agent_picks_a_canned_reply_and_the_box_fills_for_the_ticket(page, login, seeded, artifacts, width):
    ticket = Ticket.objects.filter(tenant_id="acme").exclude(status__in=["resolved", "closed"]).order_by("id").first()
    login("acme-agent")
    page.set_viewport_size(WIDTHS[width])
    page.goto(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    box = page.get_by_test_id("reply-box")
    box.scroll_into_view_if_needed()
    assert open_picker(page, "canned_reply", "screensh") == ["Please send a screenshot"]
    dropdown_fits(page, width)
    page.screenshot(path=str(artifacts / f"picker-ticket-open-{width}.png"), full_page=True)
    page.locator(".select2-results__option", has_text="Please send a screenshot").click()
    page.wait_for_function("() => document.getElementById('reply-body').value !== ''")
    written = box.locator("textarea[name=body]").input_value()
    assert ticket.number in written and "{{" not in written
    looks_right(page, artifacts, "ticket", width)
    with page.expect_navigation():
        box.get_by_role("button", name="Send").click()
    assert f"{ticket.number}: reply sent." in page.locator("body").inner_text()
    assert ticket.comments.filter(body=written.replace("\r\n", "\n").strip()).exists()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_hr_finds_a_letter_template_the_requests_type_first(page, login, seeded, artifacts, width):
    hr_request = HRRequest.objects.filter(tenant_id="acme", status__in=["pending", "in_progress"]).exclude(
        requester_id="per_acme_hr").order_by("id").first()
    login("acme-hr")
    page.set_viewport_size(WIDTHS[width])
    page.goto(reverse("admin:operations_hrrequest_change", args=[hr_request.pk]))
    panel = page.get_by_test_id("letter-panel")
    panel.scroll_into_view_if_needed()
    offered = open_picker(page, "template", "letter")
    assert offered[0] == "Employment letter (v1)" and "Visa support letter (v1)" in offered  # its type first
    dropdown_fits(page, width)
    page.screenshot(path=str(artifacts / f"picker-letter-open-{width}.png"), full_page=True)
    page.locator(".select2-results__option", has_text="Visa support letter").click()
    assert panel.locator(".select2-selection__rendered").inner_text().strip().endswith("Visa support letter (v1)")
    assert page.locator("select[name=template]").input_value().startswith("ltt_")
    looks_right(page, artifacts, "letter", width)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_it_finds_a_connector_for_an_access_system_and_saves_it(page, login, seeded, artifacts, width):
    system = AccessSystem.objects.get(tenant_id="acme", name="Team wiki")
    login("acme-it")
    page.set_viewport_size(WIDTHS[width])
    page.goto(reverse("admin:integration_accesssystem_change", args=[system.pk]))
    assert open_picker(page, "connector", "okta") == ["Okta directory"]
    dropdown_fits(page, width)
    page.screenshot(path=str(artifacts / f"picker-connector-open-{width}.png"), full_page=True)
    page.keyboard.press("Escape")
    autocomplete(page, "connector", "Okta")
    looks_right(page, artifacts, "connector", width)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert not page.locator(".errorlist").all_inner_texts()
    system.refresh_from_db()
    assert system.connector.name == "Okta directory"
