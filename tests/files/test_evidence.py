"""Evidence reports: the same rows as CSV and as a WeasyPrint PDF, both on the record, both or neither."""
import csv
import io

import pytest
from pypdf import PdfReader

from apps.files.errors import FileNotFound, FileTooLarge
from apps.files.evidence import evidence_report_attach
from apps.files.models import Attachment
from apps.files.services import attachment_open
from tests.factories import TicketFactory

from .conftest import principal

pytestmark = pytest.mark.django_db
AGENT = principal("per_agent", "agent")
COLUMNS = [("system", "System"), ("entitlement", "Entitlement"), ("done", "Done"), ("confirmed", "Confirmed by target")]
ROWS = [
    {"system": "Okta", "entitlement": "Engineering", "done": "revoked", "confirmed": "absent on read-back"},
    {"system": "LDAP", "entitlement": "=HYPERLINK(\"http://x.invalid\")", "done": "revoked", "confirmed": None},
]


def _read(attachment) -> bytes:
    _, handle = attachment_open(actor=AGENT, attachment_id=attachment.pk)
    with handle:
        return handle.read()


def test_the_rows_are_attached_as_csv_and_pdf():
    ticket = TicketFactory()
    made = evidence_report_attach(actor=AGENT, record=ticket, title="Offboarding of Ann", columns=COLUMNS,
                                  rows=iter(ROWS), summary={"Person": "Ann Example", "State": "closed"})
    csv_file, pdf_file = made
    assert [a.content_type for a in made] == ["text/plain", "application/pdf"]
    assert {a.origin for a in made} == {"report"}
    assert csv_file.filename.startswith("Offboarding of Ann ") and csv_file.filename.endswith(".csv")
    assert set(Attachment.objects.filter(record_id=ticket.pk).values_list("pk", flat=True)) == {a.pk for a in made}

    lines = list(csv.reader(io.StringIO(_read(csv_file).decode("utf-8"))))
    assert lines[0] == ["System", "Entitlement", "Done", "Confirmed by target"]
    assert lines[1] == ["Okta", "Engineering", "revoked", "absent on read-back"]
    # A cell a spreadsheet would run as a formula is quoted; None is empty.
    assert lines[2] == ["LDAP", "'=HYPERLINK(\"http://x.invalid\")", "revoked", ""]

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_read(pdf_file))).pages)
    for expected in ("Offboarding of Ann", "Ann Example", "Okta", "absent on read-back", "Confirmed by target", "2 rows"):
        assert expected in text


def test_someone_who_does_not_see_the_record_gets_404_and_nothing_is_stored(files_root):
    ticket = TicketFactory()
    with pytest.raises(FileNotFound):
        evidence_report_attach(actor=principal("per_x", "agent", tenant="globex"), record=ticket, title="t",
                               columns=COLUMNS, rows=ROWS, summary={})
    assert not Attachment.all_objects.exists()


def test_when_the_pdf_is_refused_the_csv_goes_too(settings, files_root):
    settings.FILES_MAX_RECORD_BYTES = 1500  # the CSV fits, the PDF then exceeds the record's total
    ticket = TicketFactory()
    with pytest.raises(FileTooLarge):
        evidence_report_attach(actor=AGENT, record=ticket, title="t", columns=COLUMNS, rows=ROWS, summary={})
    assert not Attachment.all_objects.exists()
    assert not [p for p in files_root.rglob("*") if p.is_file()]
