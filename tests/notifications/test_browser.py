"""In Chromium: the decision link from a real email, through the confirmation page; the admin's
read-only notification log, tenant-scoped. Screenshots in artifacts/."""
import pytest

from apps.approvals.choices import StepStatus
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification, Preference
from tests.e2e.conftest import SKIP_REASON, artifacts, browser, page  # noqa: F401  (fixtures)
from tests.notifications.conftest import step_of

pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]


def sign_in(page, username):
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-123456")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/admin/login/" not in page.url


@pytest.mark.django_db(transaction=True)
def test_deciding_from_the_email_in_chromium(page, live_server, smtp, access, artifacts, settings):  # noqa: F811
    settings.NOTIFY_BASE_URL = live_server.url
    run_pass()
    [mail] = smtp.to("ann@acme.test")
    [decide] = mail.links("decide")
    page.set_content(mail.part("html"))  # how the HTML part looks in a mail client
    page.screenshot(path=str(artifacts / "notifications-email.png"), full_page=True)
    problems = []
    # CSP violations and script errors; the 410 of the used link below is a page, not a problem
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "status of 410" not in msg.text
            else None)
    page.goto(decide)  # no session: the signed link names the person
    assert page.locator("h1").inner_text().startswith("Access request")
    page.screenshot(path=str(artifacts / "notifications-decide.png"), full_page=True)
    assert step_of(access).status == StepStatus.PENDING
    page.fill("textarea[name=comment]", "Approved from the email")
    with page.expect_navigation():
        page.click("button[value=approve]")
    assert page.locator("h1").inner_text() == "You approved this step"
    page.screenshot(path=str(artifacts / "notifications-decided.png"), full_page=True)
    assert step_of(access).status == StepStatus.APPROVED
    page.goto(decide)
    assert page.locator("h1").inner_text() == "This link was already used"
    [preferences] = smtp.to("ann@acme.test")[0].links("preferences")
    page.goto(preferences)
    page.uncheck("input[value=approval_reminder]")
    page.check("input[name=digest]")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("[role=status]").inner_text() == "Saved."
    page.screenshot(path=str(artifacts / "notifications-preferences.png"), full_page=True)
    pref = Preference.objects.get(person_id="per_ann")
    assert pref.digest and pref.disabled_kinds == ["approval_reminder"]
    assert problems == []  # no CSP violations, no script errors


@pytest.mark.django_db(transaction=True)
def test_the_notification_log_in_the_admin_is_read_only_and_tenant_scoped(page, live_server, smtp, access,  # noqa: F811
                                                                        artifacts):  # noqa: F811
    run_pass()
    other = Notification.objects.create(tenant_id="globex", kind="ticket_assigned", recipient_id="per_gina",
                                        recipient_email="gina@globex.test", subject="globex only", status="sent")
    mine = Notification.objects.get(tenant_id="acme")
    sign_in(page, "boss")
    page.goto("/admin/notifications/notification/")
    body = page.locator("body").inner_text()
    assert "ann@acme.test" in body and "globex only" not in body
    page.screenshot(path=str(artifacts / "notifications-admin-list.png"), full_page=True)
    page.goto(f"/admin/notifications/notification/{mine.pk}/change/")
    detail = page.locator("body").inner_text()
    assert "approver of step 1" in detail and "/notifications/decide/…" in detail
    assert mine.links["decide"].rsplit("/", 1)[1] not in page.content()  # the admin cannot act as the recipient
    assert page.locator("input[name=_save]").count() == 0  # read-only
    page.screenshot(path=str(artifacts / "notifications-admin-detail.png"), full_page=True)
    response = page.goto(f"/admin/notifications/notification/{other.pk}/change/")
    assert response.status == 404
    page.context.clear_cookies()
    sign_in(page, "ann")  # an approver, not an admin: the log is not theirs
    assert page.goto("/admin/notifications/notification/").status == 403
