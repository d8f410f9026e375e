"""In a real browser at 1440 px: an agent sees a ticket's screenshot previewed and its files listed;
HR generates an employment letter from an HR request, reviews it and sends it, and the PDF is on the
request. Screenshots go to artifacts/."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.files.models import Attachment
from apps.helpdesk.models import Ticket
from apps.letters.models import Letter
from apps.operations.models import HRRequest
from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


def test_an_agent_sees_the_screenshot_previewed_on_the_ticket(files_root, page, login, seeded, artifacts):
    shot = Attachment.objects.get(tenant_id="acme", filename="vpn-error.png")
    ticket = Ticket.objects.get(pk=shot.record_id)
    login("acme-agent")
    page.goto(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    panel = page.get_by_test_id("files-panel")
    panel.scroll_into_view_if_needed()
    preview = panel.get_by_test_id("file-preview")
    preview.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", preview.element_handle()) == 480
    assert panel.get_by_test_id("file-download").all_inner_texts() == ["vpn-error.png", "vpn-client.log"]
    page.screenshot(path=str(artifacts / "files-ticket-preview.png"), full_page=True)


def test_hr_generates_reviews_and_sends_a_letter(files_root, page, login, seeded, artifacts):
    hr_request = HRRequest.objects.filter(tenant_id="acme", status__in=["pending", "in_progress"]).exclude(
        requester_id="per_acme_hr").order_by("id").first()
    login("acme-hr")
    page.goto(reverse("admin:operations_hrrequest_change", args=[hr_request.pk]))
    panel = page.get_by_test_id("letter-panel")
    panel.scroll_into_view_if_needed()
    autocomplete(page, "template", "Employment")  # found by name, the request's type first
    assert panel.locator(".select2-selection__rendered").inner_text().strip().endswith("Employment letter (v1)")
    page.screenshot(path=str(artifacts / "letter-1-request.png"), full_page=True)
    with page.expect_navigation(timeout=90_000):  # WeasyPrint's first PDF loads the fonts
        panel.get_by_role("button", name="Generate letter").click()

    letter = Letter.objects.get(hr_request=hr_request)
    assert page.url.endswith(reverse("admin:letters_letter_change", args=[letter.pk]))
    preview = page.get_by_test_id("letter-preview")
    assert "To whom it may concern" in preview.inner_text() and "Acme Corp" in preview.inner_text()
    page.screenshot(path=str(artifacts / "letter-2-review.png"), full_page=True)
    pdf = page.request.get(reverse("admin:letters_letter_pdf", args=[letter.pk]))
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "To whom it may concern" in text and "Employment letter v1" in text

    with page.expect_navigation(timeout=60_000):
        page.get_by_test_id("letter-send").click()
    assert "Sent: the PDF is attached" in page.locator(".messagelist, [role=alert], body").first.inner_text()
    page.screenshot(path=str(artifacts / "letter-3-sent.png"), full_page=True)
    letter.refresh_from_db()
    hr_request.refresh_from_db()
    assert letter.status == "sent" and hr_request.status == "completed"

    page.goto(reverse("admin:operations_hrrequest_change", args=[hr_request.pk]))
    files = page.get_by_test_id("files-panel")
    files.scroll_into_view_if_needed()
    assert files.get_by_test_id("file-download").inner_text().startswith("Employment letter - ")
    assert page.get_by_test_id("letter-generate").count() == 0
    page.screenshot(path=str(artifacts / "letter-4-request-done.png"), full_page=True)
