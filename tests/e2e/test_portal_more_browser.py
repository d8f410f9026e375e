"""The portal's later pages in Chromium at 1440 and 390 px, each checked with axe and screenshotted
(artifacts/portal-<width>-<page>.png): a manager's team, notification preferences, the language
switch, giving up access; an HR letter asked for, e-mailed (a real SMTP server on loopback) and
opened from the e-mail's link in the portal after signing in, then downloaded as a PDF."""
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from pypdf import PdfReader

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.notifications.models import Preference
from apps.operations.models import AccessRequest, HRRequest
from apps.portal.views.ask import file_record
from tests.e2e.test_portal_browser import check, screen, sign_in  # noqa: F401 (fixtures and helpers)
from tests.notifications.conftest import smtp  # noqa: F401 (a real SMTP server on loopback)
from tests.portal.conftest import world  # noqa: F401 (the portal's small world)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def filed_access(world, person="per_emp"):  # noqa: F811
    ent = world.entitlement
    return file_record(actor=Principal(person_id=person, tenant_id="acme", source_type="frontend"), kind="access",
                       data={"entitlement": ent, "access_type": "new", "justification": "Release work",
                             "requester_id": person})


def test_a_manager_follows_the_team_and_an_employee_sets_notifications_and_language(screen, world, artifacts):  # noqa: F811
    cache.clear()
    Person.objects.filter(pk="per_emp").update(manager_id="per_ap1")
    asked = filed_access(world)
    page = screen
    sign_in(page, "grace")
    page.click("main >> text=My team")
    main = page.inner_text("main")
    assert "for Max Mustermann" in main and "Waiting for Grace Hopper, step 1 of 2" in main
    check(page, artifacts, "team")
    page.click("ul.rows a")
    assert f"/portal/team/access/{asked.pk}/" in page.url
    assert "Asked by Max Mustermann, who reports to you." in page.inner_text("main")
    check(page, artifacts, "team-request")

    sign_in(page, "max")
    page.click("nav >> text=Notifications")
    check(page, artifacts, "notifications")
    page.uncheck("input[value=request_update]")
    page.check("input[name=digest]")
    with page.expect_navigation():
        page.click("main button:has-text('Save')")
    assert "Your notification preferences are saved." in page.inner_text("main")
    pref = Preference.objects.get(person_id="per_emp")
    assert "request_update" in pref.disabled_kinds and pref.digest
    check(page, artifacts, "notifications-saved")

    page.select_option("select[name=language]", "de")
    with page.expect_navigation():
        page.click("footer button")
    assert "Benachrichtigungen" in page.inner_text("h1") and page.get_attribute("html", "lang") == "de"
    page.click("nav >> text=Meine Anfragen")
    assert "Wartet auf Grace Hopper, Schritt 1 von 2" in page.inner_text("main")
    check(page, artifacts, "requests-de")
    page.select_option("select[name=language]", "en")
    with page.expect_navigation():
        page.click("footer button")
    assert "My requests" in page.inner_text("h1")


def test_an_employee_gives_up_access(screen, world, artifacts):  # noqa: F811
    cache.clear()
    grant = filed_access(world)
    AccessRequest.objects.filter(pk=grant.pk).update(status="provisioned", provisioned_at=timezone.now(),
                                                     granted_at=timezone.now())
    page = screen
    sign_in(page, "max")
    page.click("nav >> text=My access")
    page.click("main a:has-text('Give up')")
    assert page.locator("select[name=grant] option:checked").inner_text().startswith("GitHub acme · Maintainer")
    page.fill("textarea[name=justification]", "I moved to the billing team")
    check(page, artifacts, "give-up")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    main = page.inner_text("main")
    assert "Remove GitHub acme · Maintainer" in main and "Waiting for Grace Hopper, step 1 of 2" in main
    check(page, artifacts, "give-up-filed")
    revoke = AccessRequest.objects.get(access_type="revoke")
    assert (revoke.principal_id, revoke.entitlement_id, revoke.status) == ("per_emp", world.entitlement.pk, "pending")
    page.click("nav >> text=My access")
    assert "Removal requested" in page.inner_text("main")


def test_an_employee_sees_their_equipment(screen, world, artifacts):  # noqa: F811
    from apps.operations.models import Equipment

    cache.clear()
    actor = Principal(person_id="per_emp", tenant_id="acme", source_type="frontend")
    for kind, status in (("Laptop", "delivered"), ("Monitor", "shipped")):
        item = file_record(actor=actor, kind="equipment", data={
            "equipment_type": kind, "specification": "For the office", "requester_id": "per_emp"})
        Equipment.objects.filter(pk=item.pk).update(status=status, delivered_at=timezone.now() if status == "delivered" else None)
    page = screen
    sign_in(page, "max")
    page.click("nav >> text=My equipment")
    have, coming = page.inner_text("main").split("On its way")
    assert "Laptop" in have and "Monitor" in coming and "Waiting for the delivery" in coming
    check(page, artifacts, "equipment")


@pytest.fixture
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def test_an_employee_opens_the_letter_mail_in_the_portal_and_downloads_the_letter(screen, world, artifacts, smtp,  # noqa: F811
                                                                                   files_root, settings, live_server):
    from apps.core.services import record_create
    from apps.letters.models import LetterTemplate
    from apps.letters.services import letter_generate, letter_send

    cache.clear()
    settings.NOTIFY_BASE_URL = settings.SITE_URL = live_server.url
    page = screen
    sign_in(page, "max")
    page.click("nav >> text=Ask")
    page.click("text=Ask HR for a letter")
    page.select_option("select[name=type]", "employment_letter")
    page.fill("textarea[name=description]", "For my landlord")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    hr_request = HRRequest.objects.get()
    hr = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"hr"}), source_type="backend")
    template = record_create(actor=hr, obj=LetterTemplate(
        tenant_id="acme", name="Employment letter", request_type="employment_letter",
        body="To whom it may concern,\n\n**{{ person.name }}** works for {{ tenant.name }}."))
    letter_send(actor=hr, letter=letter_generate(actor=hr, hr_request=hr_request, template=template))
    run_pass()
    [mail] = [m for m in smtp.to("max@acme.invalid") if "fulfilled" in m.subject]
    link = re.search(r"Open it in the self-service portal: (\S+)", mail.part("plain")).group(1)
    assert link == f"{live_server.url}/portal/requests/hr/{hr_request.pk}/"

    page.context.clear_cookies()
    page.goto(link)
    assert "/portal/login/?next=" in page.url
    page.fill("input[name=username]", "max")
    page.fill("input[name=password]", "portal-pass-123")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url == link  # the e-mail's page, after signing in
    assert "Ready" in page.inner_text("main")
    check(page, artifacts, "mail-link-letter")
    with page.expect_download() as download:
        page.click("section[aria-labelledby=files] a")
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "To whom it may concern" in text and "Max Mustermann" in text
    assert download.value.suggested_filename.endswith(".pdf")
    assert timezone.now() - HRRequest.objects.get().fulfilled_at < timedelta(minutes=5)
