"""file_attach and friends against the real filesystem storage: type by content, names, limits,
visibility, storage failures, soft delete and purge."""
import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from apps.core.exceptions import Forbidden
from apps.core.services import record_delete
from apps.files.errors import FileNotFound, FileRefused, FileTooLarge, FileTypeRefused, StorageFailed
from apps.files.models import Attachment
from apps.files.services import attachment_open, attachments_of, file_attach, files_purge
from tests.factories import HRRequestFactory, PolicyVersionFactory, TicketCommentFactory, TicketFactory

from .conftest import EXE, PDF, principal, png_bytes, zip_bytes

pytestmark = pytest.mark.django_db
AGENT = principal("per_agent", "agent")


def test_a_png_is_stored_with_its_detected_type_and_read_back(files_root):
    ticket = TicketFactory()
    data = png_bytes()
    att = file_attach(actor=AGENT, record=ticket, filename="screen.png", content=data)
    att.refresh_from_db()
    assert (att.record_type, att.record_id, att.content_type, att.size) == ("helpdesk.ticket", ticket.pk, "image/png", len(data))
    assert att.storage_name == f"acme/{att.pk}" and (files_root / "acme" / att.pk).read_bytes() == data
    _, handle = attachment_open(actor=AGENT, attachment_id=att.pk)
    with handle:
        assert handle.read() == data
    assert [a.pk for a in attachments_of(actor=AGENT, record=ticket)] == [att.pk]


def test_a_stream_is_read_and_the_client_type_is_ignored():
    ticket = TicketFactory()
    att = file_attach(actor=AGENT, record=ticket, filename="report.pdf", content=io.BytesIO(PDF), source="email")
    assert (att.content_type, att.origin) == ("application/pdf", "email")


@pytest.mark.parametrize("name, data, error", [
    ("invoice.pdf", EXE, FileTypeRefused),        # an executable calling itself a PDF
    ("photo.png", PDF, FileTypeRefused),          # a PDF named as an image: the name lies
    ("readme.html", b"<script>alert(1)</script>", FileTypeRefused),  # text posing as a page
    ("logo.svg", b"<svg onload='alert(1)'/>", FileTypeRefused),
    ("archive.zip", zip_bytes(), FileTypeRefused),  # archives (zip bombs) are not accepted
    ("empty.txt", b"", FileRefused),
])
def test_refused_files_leave_nothing(name, data, error, files_root):
    ticket = TicketFactory()
    with pytest.raises(error):
        file_attach(actor=AGENT, record=ticket, filename=name, content=data)
    assert not Attachment.all_objects.exists()
    assert not (files_root / "acme").exists() or not any((files_root / "acme").iterdir())


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\system32\\evil.txt", "evil.txt"),
    ("na\x00me\x1b[31m.txt", "name[31m.txt"),
    ("\u202etxt.exe.txt", "txt.exe.txt"),  # the right-to-left override is a format character
    ("...", "file.txt"),
    ("", "file.txt"),
    ("a" * 400 + ".txt", "a" * 146 + ".txt"),
])
def test_names_are_sanitised_and_never_reach_the_storage_path(raw, shown, files_root):
    att = file_attach(actor=AGENT, record=TicketFactory(), filename=raw, content=b"hello\n")
    assert att.filename == shown
    assert att.storage_name == f"acme/{att.pk}"
    assert [p.name for p in files_root.rglob("*") if p.is_file()] == [att.pk]


def test_size_limits_per_file_and_per_record(settings):
    settings.FILES_MAX_BYTES = 100
    settings.FILES_MAX_RECORD_BYTES = 150
    ticket = TicketFactory()
    with pytest.raises(FileTooLarge):
        file_attach(actor=AGENT, record=ticket, filename="big.txt", content=io.BytesIO(b"x" * 101))
    file_attach(actor=AGENT, record=ticket, filename="a.txt", content=b"x" * 100)
    with pytest.raises(FileTooLarge, match="in all"):
        file_attach(actor=AGENT, record=ticket, filename="b.txt", content=b"y" * 60)
    file_attach(actor=AGENT, record=TicketFactory(), filename="b.txt", content=b"y" * 60)  # another record
    assert Attachment.objects.count() == 2
    settings.FILES_MAX_PER_RECORD = 1
    with pytest.raises(FileRefused, match="most it may have"):
        file_attach(actor=AGENT, record=ticket, filename="c.txt", content=b"z")


def test_who_does_not_see_the_record_gets_a_404():
    ticket = TicketFactory()
    with pytest.raises(FileNotFound):
        file_attach(actor=principal("per_stranger"), record=ticket, filename="a.txt", content=b"x")
    with pytest.raises(FileNotFound):
        file_attach(actor=principal("per_agent_b", "agent", tenant="globex"), record=ticket, filename="a.txt", content=b"x")
    att = file_attach(actor=principal(ticket.submitted_by_id), record=ticket, filename="a.txt", content=b"x")
    for outsider in (principal("per_stranger"), principal("per_admin_b", "admin", tenant="globex")):
        with pytest.raises(FileNotFound):
            attachment_open(actor=outsider, attachment_id=att.pk)


def test_an_internal_comments_files_stay_with_agents():
    comment = TicketCommentFactory(internal=True)
    att = file_attach(actor=AGENT, record=comment, filename="note.txt", content=b"internal")
    with pytest.raises(FileNotFound):
        attachment_open(actor=principal(comment.ticket.submitted_by_id), attachment_id=att.pk)


def test_hr_requests_and_policy_versions():
    hr_request = HRRequestFactory()
    att = file_attach(actor=principal(hr_request.requester_id), record=hr_request, filename="payslip.pdf", content=PDF)
    attachment_open(actor=principal("per_hr", "hr"), attachment_id=att.pk)[1].close()
    with pytest.raises(FileNotFound):
        attachment_open(actor=principal("per_agent", "agent", "it"), attachment_id=att.pk)
    version = PolicyVersionFactory()
    with pytest.raises(Forbidden):
        file_attach(actor=principal(version.policy.owner_id), record=version, filename="scan.pdf", content=PDF)
    att = file_attach(actor=principal("per_hr", "hr"), record=version, filename="scan.pdf", content=PDF)
    assert att.record_id == f"pvr_{version.pk}"


class BrokenStorage:
    def save(self, name, content, max_length=None):
        content.read(10)
        raise OSError("No space left on device")


def test_a_storage_failure_saves_no_row(monkeypatch):
    monkeypatch.setattr("apps.files.services.file_storage", lambda: BrokenStorage())
    with pytest.raises(StorageFailed, match="nothing was saved"):
        file_attach(actor=AGENT, record=TicketFactory(), filename="a.txt", content=b"x")
    assert not Attachment.all_objects.exists()


def test_a_row_that_fails_removes_its_bytes(monkeypatch, files_root):
    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("apps.files.services.record_create", refuse)
    with pytest.raises(RuntimeError):
        file_attach(actor=AGENT, record=TicketFactory(), filename="a.txt", content=b"x")
    assert not [p for p in files_root.rglob("*") if p.is_file()]


def test_deleting_the_record_soft_deletes_its_files_and_purge_removes_the_bytes_after_retention(files_root):
    ticket = TicketFactory()
    att = file_attach(actor=AGENT, record=ticket, filename="a.txt", content=b"x")
    record_delete(actor=principal("per_admin", "admin"), obj=ticket)
    att = Attachment.all_objects.get(pk=att.pk)
    assert att.is_deleted and att.deleted_at
    with pytest.raises(FileNotFound):
        attachment_open(actor=principal("per_admin", "admin"), attachment_id=att.pk)
    assert files_purge()["purged"] == 0  # within the retention
    assert (files_root / att.storage_name).exists()
    assert files_purge(now=timezone.now() + timedelta(days=31))["purged"] == 1
    assert not (files_root / att.storage_name).exists()
    assert Attachment.all_objects.get(pk=att.pk).purged_at is not None


def test_purge_sweeps_bytes_no_row_names(files_root):
    att = file_attach(actor=AGENT, record=TicketFactory(), filename="a.txt", content=b"x")
    storages["files"].save("acme/att_orphan", io.BytesIO(b"left by a rolled back upload"))
    assert files_purge(now=timezone.now() + timedelta(days=1))["orphans"] == 1
    assert sorted(p.name for p in (files_root / "acme").iterdir()) == [att.pk]
