"""E-mailed files land on the ticket or comment through apps/files (real filesystem storage): a screenshot
is kept, a file the rules refuse is listed as refused and the text still arrives, and a file store that
fails defers the whole message (451) with nothing saved."""
import pytest

from apps.files.models import Attachment
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk_mail.models import InboundMessage
from tests.files.conftest import EXE, png_bytes
from tests.helpdesk_mail.conftest import mail
from tests.shapes import misfits

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def files_root(settings, tmp_path):
    root = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}}
    return root


def with_files(message, *files):
    for name, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def test_a_screenshot_lands_on_the_ticket_and_a_refused_file_is_listed(gateway, people, files_root):
    screenshot = png_bytes(64, 48)
    sent = gateway.send(with_files(mail(), ("screen shot.png", screenshot, "image", "png"),
                                   ("../../setup.exe", EXE, "application", "octet-stream")))
    assert sent.text == "2.0.0 Ticket TKT-0001 opened"
    ticket = Ticket.objects.get()
    [kept] = Attachment.objects.all()
    assert (kept.record_id, kept.origin, kept.content_type, kept.size, kept.created_by) == (
        ticket.pk, "email", "image/png", len(screenshot), "per_member")
    assert (files_root / kept.storage_name).read_bytes() == screenshot
    stored = InboundMessage.objects.get().details["attachments"]
    assert stored[0]["id"] == kept.pk and "refused" in stored[1] and stored[1]["filename"] == "../../setup.exe"
    assert misfits(InboundMessage) == {}

    reply = gateway.send(with_files(mail(subject=f"Re: [{ticket.number}] more", body="Another one."),
                                    ("second.png", png_bytes(8, 8), "image", "png")))
    assert reply.text == f"2.0.0 Added to {ticket.number}"
    comment = TicketComment.objects.get()
    assert Attachment.objects.filter(record_id=comment.pk, origin="email").count() == 1


def test_a_file_store_that_fails_defers_the_message_with_nothing_saved(gateway, people, settings, tmp_path):
    not_a_directory = tmp_path / "plain-file"
    not_a_directory.write_text("x")
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(not_a_directory / "files")}}}
    message = with_files(mail(), ("screen.png", png_bytes(), "image", "png"))
    sent = gateway.send(message)
    assert (sent.code, sent.text) == (451, "4.3.0 The file store is unavailable; nothing was saved, please retry")
    assert not Ticket.objects.exists() and not InboundMessage.objects.exists() and not Attachment.all_objects.exists()
