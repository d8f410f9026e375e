"""The admin on a phone (390 px wide): lists show their key columns without sideways scrolling,
and the dashboard and a change form fit the screen. Screenshots go to artifacts/."""
import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=1, is_mobile=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, username: str):
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-pass-123")
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("who,list_name,key_text", [
    ("acme-agent", "helpdesk_ticket", "TKT-"),
    ("acme-approver", "operations_accessrequest", "Pending"),
    ("acme-admin", "integration_webhook", "audit"),
])
def test_lists_fit_a_phone(phone, seeded, artifacts, who, list_name, key_text):
    if list_name == "integration_webhook":
        from django.test.utils import override_settings

        from apps.core.principal import Principal
        from apps.integration.services import webhook_create
        with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):
            webhook_create(actor=Principal(person_id="per_acme_admin", tenant_id="acme", roles=frozenset({"admin"})),
                           data={"name": "audit hook", "url": "http://127.0.0.1:9/hook"})
    sign_in(phone, who)
    phone.goto(reverse(f"admin:{list_name}_changelist"))
    rows = phone.locator("#result_list tbody tr")
    assert rows.count() >= 1
    phone.screenshot(path=str(artifacts / f"admin-phone-{list_name}.png"), full_page=True)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"
    assert key_text in rows.all_inner_texts().__str__()
    for column in (1, 2):  # the first two columns after the checkbox: what it is, and its state
        box = rows.first.locator("th, td").nth(column).bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], (column, box)


def test_dashboard_fits_a_phone(phone, seeded, artifacts):
    sign_in(phone, "acme-approver")
    phone.get_by_test_id("dashboard").wait_for()
    phone.screenshot(path=str(artifacts / "admin-phone-dashboard.png"), full_page=True)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the dashboard scrolls sideways by {overflow}px"


def test_a_list_is_cards_on_a_phone(phone, seeded, artifacts):
    """Below 640 px each row is a card: nothing sits past the screen's edge or scrolls sideways inside
    the list, and every column is there with its name (title, state, priority, assignee)."""
    sign_in(phone, "acme-agent")
    phone.goto(reverse("admin:helpdesk_ticket_changelist"))
    phone.screenshot(path=str(artifacts / "phone-ticket-cards.png"), full_page=True)
    inner = phone.evaluate("() => { const t = document.getElementById('result_list').parentElement;"
                           " return t.scrollWidth - t.clientWidth }")
    assert inner <= 1, f"the list scrolls sideways inside its box by {inner}px"
    row = phone.locator("#result_list tr.data-row").first
    for column in ("title", "status", "priority", "assignee"):
        cell = row.locator(f".field-{column}")
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], \
            (column, box)
    label = phone.evaluate("() => getComputedStyle(document.querySelector('#result_list tr.data-row .field-priority'),"
                           " '::before').content")
    assert label == '"Priority"', label
    # Sorted by SLA, that column's header also holds its sort icons: the card still says just "SLA".
    phone.goto(reverse("admin:helpdesk_ticket_changelist") + "?o=3")
    sla = phone.evaluate("() => document.querySelector('#result_list tr.data-row .field-sla').dataset.label")
    assert sla == "SLA", sla
    phone.goto(reverse("admin:helpdesk_ticket_changelist"))
    # The saved-filters box stays a strip above the list, not a third of the screen.
    saved = phone.get_by_test_id("saved-filters").bounding_box()
    assert saved["height"] <= 100, saved


def test_a_record_page_has_one_box_to_write_in(phone, seeded, artifacts):
    from apps.helpdesk.models import Ticket

    ticket = Ticket.objects.filter(tenant_id="acme", status="new").order_by("created_at").first()
    sign_in(phone, "acme-agent")
    phone.goto(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    phone.screenshot(path=str(artifacts / "phone-ticket-page.png"), full_page=True)
    boxes = phone.locator("textarea:visible, input[name=comment]:visible").evaluate_all(
        "els => els.filter(e => !e.closest('form[id$=_form]')).map(e => e.name)")
    assert boxes == ["body"], boxes  # the reply box; the action buttons above it take no comment of their own
    assert phone.get_by_test_id("fsm-transitions").get_by_role("button", name="Resolve").count() == 1
