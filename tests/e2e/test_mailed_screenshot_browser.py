"""In a real browser: a screenshot e-mailed to the tenant's helpdesk address through the real gateway
(SMTP on 127.0.0.1) is previewed on the ticket page, the e-mail's HTML opens in a sandboxed frame, and the
agent answers with a canned reply and a file from the reply box. At 1440 and 390 px; screenshots go to
artifacts/."""
import io
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.urls import reverse

from apps.directory.models import Person
from apps.files.models import Attachment
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk_mail.gateway import controller
from tests.e2e.conftest import autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GATEWAY_PORT = 17702


def screenshot_png(width: int = 320, height: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 40, width - 20, height - 40), outline=(200, 30, 30), width=4)
    draw.text((40, 90), "Outlook: error 0x800CCC0E", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}


@pytest.fixture
def gateway(seeded):
    gw = controller(host="127.0.0.1", port=GATEWAY_PORT, workers=2, close_connections=True)
    gw.start()
    yield gw
    gw.stop()
    gw.handler.close()


def send_mail(sender: Person) -> tuple[int, str]:
    message = EmailMessage()
    message["From"] = f"{sender.display_name} <{sender.email}>"
    message["To"] = "help@acme.invalid"
    message["Subject"] = "Outlook crashes when I open the calendar"
    message["Message-ID"] = make_msgid(domain="mua.acme.invalid")
    message.set_content("Hello,\n\nOutlook crashes when I open the calendar. Screenshot attached.\n\nMax\n")
    message.add_alternative("<p>Hello,</p><p>Outlook <b>crashes</b> when I open the calendar.</p>"
                            "<script>document.title = 'ran'</script><img src=\"https://tracker.invalid/p.gif\">",
                            subtype="html")
    message.add_attachment(screenshot_png(), maintype="image", subtype="png", filename="outlook-error.png")
    with smtplib.SMTP("127.0.0.1", GATEWAY_PORT, timeout=30) as client:
        client.ehlo("mta.acme.invalid")
        client.mail(sender.email)
        client.rcpt("help@acme.invalid")
        code, text = client.data(message.as_bytes(policy=policy.SMTP))
    return code, text.decode()


def test_an_emailed_screenshot_on_the_ticket_and_a_canned_reply_with_a_file(
        files_root, gateway, page, login, seeded, artifacts, tmp_path):
    sender = Person.objects.get(tenant_id="acme", pk="per_acme_member")
    code, text = send_mail(sender)
    ticket = Ticket.objects.get(tenant_id="acme", title="Outlook crashes when I open the calendar")
    assert (code, text) == (250, f"2.0.0 Ticket {ticket.number} opened")
    assert (ticket.submitted_by_id, ticket.source) == ("per_acme_member", "email")

    login("acme-agent")
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    files = page.get_by_test_id("files-panel")
    files.scroll_into_view_if_needed()
    preview = files.get_by_test_id("file-preview")
    preview.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    assert page.evaluate("img => img.naturalWidth", preview.element_handle()) == 320
    assert files.get_by_test_id("file-download").all_inner_texts() == ["outlook-error.png"]
    assert "by email" in files.inner_text()  # the origin, not an upload

    mail_html = page.get_by_test_id("ticket-description").get_by_test_id("mail-html")
    mail_html.locator("summary").click()
    frame = mail_html.frame_locator("iframe")
    assert frame.locator("b").inner_text() == "crashes"
    assert frame.locator("script").count() == 0
    assert mail_html.locator("iframe").get_attribute("sandbox") == ""
    page.get_by_test_id("conversation").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "mail-1-ticket-1440.png"), full_page=True)

    box = page.get_by_test_id("reply-box")
    autocomplete(page, "canned_reply", "screenshot")  # found by name; the box fills itself for this ticket
    page.wait_for_function("() => document.getElementById('reply-body').value !== ''")
    written = box.locator("textarea[name=body]").input_value()
    assert written.startswith("Hello Max,") and ticket.number in written
    box.locator("textarea[name=body]").fill(written.replace("could you reply", "thanks; could you also reply"))
    log = tmp_path / "steps.png"
    log.write_bytes(screenshot_png(200, 120))
    box.get_by_test_id("reply-files").set_input_files(str(log))
    with page.expect_navigation():
        box.get_by_role("button", name="Send").click()
    assert f"{ticket.number}: reply sent with 1 file." in page.locator("body").inner_text()

    comment = TicketComment.objects.get(ticket=ticket)
    assert comment.body.startswith("Hello Max,\n\nthanks; could you also reply") and comment.author_id == "per_acme_agent"
    kept = Attachment.objects.get(record_id=comment.pk)
    assert (kept.filename, kept.content_type, kept.origin) == ("steps.png", "image/png", "upload")
    assert page.get_by_test_id("files-panel").get_by_test_id("file-download").all_inner_texts() == [
        "outlook-error.png", "steps.png"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("admin:helpdesk_ticket_change", args=[ticket.pk]))
    page.get_by_test_id("conversation").scroll_into_view_if_needed()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(artifacts / "mail-2-ticket-390.png"), full_page=True)
    assert overflow <= 0, f"the ticket page scrolls sideways by {overflow}px at 390 px"
