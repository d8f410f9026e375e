"""Evidence reports: one table of rows kept on a record as a CSV (for the auditor's spreadsheet) and
a PDF drawn by WeasyPrint from an HTML template (for the file), both through file_attach, so the
record's readers, and nobody else, can download them."""
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.models import Tenant
from apps.core.principal import Principal
from apps.letters.pdf import html_to_pdf

from .models import Attachment, Origin
from .services import _delete_bytes, file_attach

# A spreadsheet runs a cell that starts with one of these as a formula: such cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def evidence_csv(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, object]]) -> bytes:
    """The rows as UTF-8 CSV: a header of the columns' labels, then one line per row in column order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_safe(label) for _, label in columns])
    for row in rows:
        writer.writerow([_csv_safe(_cell(row.get(key))) for key, _ in columns])
    return out.getvalue().encode("utf-8")


def evidence_html(*, tenant: str, title: str, columns: Sequence[tuple[str, str]],
                  rows: Sequence[Mapping[str, object]], summary: Mapping[str, str], made_by: str,
                  made_at: str) -> str:
    table = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    return render_to_string("files/evidence_report.html", {
        "tenant": tenant, "title": title, "labels": [label for _, label in columns], "rows": table,
        "summary": [(str(k), str(v)) for k, v in summary.items()], "made_by": made_by, "made_at": made_at,
        "count": len(table),
        # The footer goes into a CSS string (the page's margin box): only characters needing no escape there.
        "footer": re.sub(r"[^\w .,:()/-]", "", f"{tenant} - {title}")})


def _slug(title: str) -> str:
    return "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in title).strip() or "evidence"


def evidence_report_attach(*, actor: Principal, record, title: str, columns: Sequence[tuple[str, str]],
                           rows: Iterable[Mapping[str, object]], summary: Mapping[str, str]) -> list[Attachment]:
    """Attach `rows` to `record` as `<title>.csv` and `<title>.pdf` (columns: (key, label) pairs, in
    order; summary: label -> value lines printed above the table). Both files or neither: the PDF is
    drawn before anything is stored, and when the second attach fails the first is rolled back.
    `actor` must see the record (FileNotFound otherwise); returns [csv, pdf]."""
    if not columns:
        raise ValueError("an evidence report needs at least one column")
    rows = list(rows)
    made_at = timezone.now()
    tenant = Tenant.objects.filter(pk=actor.tenant_id).values_list("name", flat=True).first() or actor.tenant_id
    csv_bytes = evidence_csv(columns, rows)
    pdf_bytes = html_to_pdf(evidence_html(
        tenant=tenant, title=title, columns=columns, rows=rows, summary=summary, made_by=actor.person_id,
        made_at=made_at.strftime("%Y-%m-%d %H:%M UTC")))
    stem = f"{_slug(title)} {made_at:%Y-%m-%d %H%M}"
    attached: list[Attachment] = []
    try:
        with transaction.atomic():
            for name, data in ((f"{stem}.csv", csv_bytes), (f"{stem}.pdf", pdf_bytes)):
                attached.append(file_attach(actor=actor, record=record, filename=name, content=data,
                                            source=Origin.REPORT))
    except BaseException:
        for attachment in attached:
            _delete_bytes(attachment.storage_name)
        raise
    return attached
