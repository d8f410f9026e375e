"""Issue 27 in a real browser, as the tenant admin and as IT at 1440 and 390 px: a connector's type and
provider are chosen (a vendor the type cannot reach is a form error that saves nothing), the business
calendar's week is a row per weekday, and a catalog access request names its system, linked, where the
raw id was."""
import pytest
from django.urls import reverse

from apps.helpdesk.models import BusinessCalendar
from apps.integration.models import Connector
from apps.operations.models import AccessRequest

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def shoot(page, artifacts, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"kv27-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def save(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


def test_connector_calendar_and_access_request_as_admin_and_it(page, login, seeded, artifacts):
    login("acme-admin")
    page.goto(reverse("admin:integration_connector_add"))
    page.fill("input[name=name]", "Corporate directory")
    page.select_option("select[name=type]", "scim")
    page.select_option("select[name=provider]", label="Active Directory")
    shoot(page, artifacts, "connector-add")
    save(page)
    assert page.get_by_text("Active Directory is reached by ldap").count() >= 1
    assert not Connector.objects.filter(name="Corporate directory").exists()
    page.select_option("select[name=type]", label="LDAP / Active Directory")
    save(page)
    made = Connector.objects.get(tenant_id="acme", name="Corporate directory")
    assert (made.type, made.provider) == ("ldap", "active_directory")
    page.goto(reverse("admin:integration_connector_change", args=[made.pk]))
    shoot(page, artifacts, "connector-change")
    save(page)
    assert page.locator(".errorlist, .errornote").count() == 0

    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    page.goto(reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk]))
    page.get_by_label("Wednesday: second span from").fill("13:00")
    page.get_by_label("Wednesday: opens to").fill("12:00")
    page.get_by_label("Wednesday: second span to").fill("17:00")
    page.get_by_label("Friday: closed").check()
    shoot(page, artifacts, "calendar")
    save(page)
    calendar.refresh_from_db()
    assert calendar.working_hours["wed"] == [["09:00", "12:00"], ["13:00", "17:00"]] and "fri" not in calendar.working_hours

    request = AccessRequest.objects.filter(tenant_id="acme", entitlement__isnull=False).order_by("id").first()
    system = request.entitlement.system
    page.context.clear_cookies()
    login("acme-it")
    page.goto(reverse("admin:operations_accessrequest_change", args=[request.pk]))
    to_system = f'a[href="{reverse("admin:integration_accesssystem_change", args=[system.pk])}"]'
    assert page.locator(f"#accessrequest_form {to_system}", has_text=system.name).count() == 2  # system, asset
    shoot(page, artifacts, "access-request-it")
    if page.get_by_role("button", name="Save", exact=True).count():
        save(page)
        assert page.locator(".errorlist, .errornote").count() == 0
    page.goto(reverse("admin:operations_accessrequest_changelist"))
    assert page.locator(to_system, has_text=system.name).count() >= 1
    shoot(page, artifacts, "access-requests-it")
    for shut in (reverse("admin:integration_connector_change", args=[made.pk]),
                 reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])):
        response = page.goto(shut)
        assert response.status in (200, 403, 404)
        if response.status == 200:  # IT may only read it: words, never JSON
            assert page.locator("input[type=time], select[name=type]").count() == 0
            shoot(page, artifacts, "it-reads-" + shut.split("/")[3])
