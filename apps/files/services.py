"""Files on records: attach, list, open, delete, purge. One rule for the API, the admin, the mail
gateway and the HR letters: who sees the record sees its files, and nobody else."""
import hashlib
import logging
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import Forbidden
from apps.core.ids import new_id
from apps.core.principal import Principal
from apps.core.services import record_create, record_delete

from . import content as file_content
from .errors import FileNotDownloadable, FileNotFound, FileRefused, FileTooLarge, FileTypeRefused, StorageFailed
from .models import Attachment, Origin
from .records import AttachableType, is_visible, type_of_model
from .scanning import scan

logger = logging.getLogger(__name__)
READ_CHUNK = 1024 * 1024


def file_storage():
    """The "files" storage (settings.STORAGES): the local filesystem or an S3-compatible bucket."""
    return storages["files"]


def _read_limited(content: bytes | IO[bytes], limit: int) -> bytes:
    """At most `limit` bytes; one more means the file is too large (a stream is never read past that)."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
    else:
        if hasattr(content, "seek"):
            try:
                content.seek(0)
            except (OSError, ValueError):
                pass
        parts, total = [], 0
        while total <= limit:
            part = content.read(min(READ_CHUNK, limit + 1 - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
        data = b"".join(parts)
    if len(data) > limit:
        raise FileTooLarge(f"The file is larger than the limit of {_human(limit)}.", errors=[
            {"field": "file", "message": f"at most {_human(limit)}"}], limit=limit)
    return data


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024
    return str(size)


def _kind_for(record) -> AttachableType:
    kind = type_of_model(type(record))
    if kind is None:
        raise FileRefused(f"{type(record)._meta.verbose_name.capitalize()} records do not take files.")
    return kind


def _require_visible(actor: Principal, kind: AttachableType, record_id: str) -> None:
    if not is_visible(actor, kind, record_id):
        raise FileNotFound("No such record in your tenant.")


def _refuse(message: str, error=FileRefused, **extra):
    raise error(message, errors=[{"field": "file", "message": message}], **extra)


def file_attach(*, actor: Principal, record, filename: str, content: bytes | IO[bytes],
                source: str = "upload") -> Attachment:
    """Keep `content` as a file on `record` for `actor` (who must see the record).

    The type is detected from the bytes and must be allowed (settings.FILES_ALLOWED_TYPES), and a
    name must not claim another type's extension; size limits per file and per record; the name is
    sanitised for display (the storage name is the attachment id, never the given name). The bytes are
    written first, then the row in one transaction; if the storage fails nothing is saved and a
    StorageFailed (503) says so, if the row fails the bytes are removed again. `source`: upload,
    email or letter. Raises a FileError (404, 400, 413, 415, 503) or Forbidden."""
    kind = _kind_for(record)
    record_id = kind.ref_of(record)
    _require_visible(actor, kind, record_id)
    if not kind.may_attach(actor):
        raise Forbidden(f"Adding files here needs one of the roles: {', '.join(('admin', *kind.attach_roles))}.")
    if source not in Origin.values:
        raise ValueError(f"source must be one of {Origin.values}, not {source!r}")
    data = _read_limited(content, settings.FILES_MAX_BYTES)
    if not data:
        _refuse("The file is empty.")
    content_type = file_content.detect(data)
    if content_type is None or content_type not in file_content.allowed_types():
        what = content_type or "not a recognised file type"
        _refuse(f"This kind of file is not accepted ({what}).", FileTypeRefused, content_type=content_type)
    name = file_content.sanitise_filename(filename, content_type)
    lie = file_content.extension_lies(name, content_type)
    if lie:
        _refuse(f"The name says .{lie} but the file is {content_type}: the type is checked by content.",
                FileTypeRefused, content_type=content_type)
    verdict = scan(data)
    attachment = Attachment(
        id=new_id(Attachment.id_prefix), record_type=kind.label, record_id=record_id, filename=name,
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(), origin=source,
        scan_status=verdict.status, scan_detail=verdict.detail,
    )
    storage = file_storage()
    try:
        attachment.storage_name = storage.save(f"{actor.tenant_id}/{attachment.id}", ContentFile(data))
    except Exception as exc:  # any backend's failure (disk full, S3 down): nothing is saved
        logger.warning("file storage refused %s for %s: %s", attachment.id, record_id, exc)
        raise StorageFailed("The file store did not accept the file; nothing was saved. Try again later.") from exc
    try:
        with transaction.atomic():
            _check_record_limits(actor, kind, record, len(data))
            record_create(actor=actor, obj=attachment)
    except BaseException:
        _delete_bytes(attachment.storage_name)
        raise
    return attachment


def _check_record_limits(actor: Principal, kind: AttachableType, record, size: int) -> None:
    # The record's row lock serialises concurrent attaches to it, so two uploads cannot both pass.
    kind.model._default_manager.select_for_update().filter(pk=record.pk).first()
    live = Attachment.objects.filter(tenant_id=actor.tenant_id, record_type=kind.label, record_id=kind.ref_of(record))
    sizes = list(live.values_list("size", flat=True))
    if len(sizes) >= settings.FILES_MAX_PER_RECORD:
        _refuse(f"This record already has {len(sizes)} files, the most it may have.")
    limit = settings.FILES_MAX_RECORD_BYTES
    if sum(sizes) + size > limit:
        _refuse(f"The files on this record would exceed {_human(limit)} in all.", FileTooLarge, limit=limit)


def _delete_bytes(name: str) -> None:
    try:
        file_storage().delete(name)
    except Exception:  # the orphan sweep of purge_files removes it later
        logger.warning("could not remove stored bytes %s", name, exc_info=True)


def attachments_of(*, actor: Principal, record) -> list[Attachment]:
    """The live files on `record`, oldest first (404 when `actor` does not see it)."""
    kind = _kind_for(record)
    record_id = kind.ref_of(record)
    _require_visible(actor, kind, record_id)
    return list(Attachment.objects.filter(tenant_id=actor.tenant_id, record_type=kind.label, record_id=record_id))


def attachment_get(*, actor: Principal, attachment_id: str) -> Attachment:
    """The attachment if `actor` sees it (its record, or their own upload); else, another tenant's or
    a deleted one too: 404."""
    attachment = Attachment.objects.visible_to(actor).filter(pk=str(attachment_id)).first()
    if attachment is None:
        raise FileNotFound("No such file in your tenant.")
    return attachment


def attachment_open(*, actor: Principal, attachment_id: str):
    """(attachment, an open File) for a download; a quarantined or not yet scanned file is refused."""
    attachment = attachment_get(actor=actor, attachment_id=attachment_id)
    if not attachment.downloadable:
        raise FileNotDownloadable(
            "The malware scan quarantined this file: it cannot be downloaded." if attachment.scan_status == "quarantined"
            else "This file has not been scanned for malware yet; try again later.", scan_status=attachment.scan_status)
    try:
        return attachment, file_storage().open(attachment.storage_name, "rb")
    except Exception as exc:
        raise StorageFailed("The file store cannot read this file right now. Try again later.") from exc


@transaction.atomic
def attachment_delete(*, actor: Principal, obj: Attachment, if_match: str | None = None) -> None:
    """Soft delete (the bytes stay until `manage.py purge_files`): by its uploader or an admin."""
    if obj.created_by != actor.person_id and not actor.has_role():
        raise Forbidden("Only whoever added a file, or an admin, may remove it.")
    record_delete(actor=actor, obj=obj, if_match=if_match)


def attachments_delete_for_record(*, record, actor=None) -> int:
    """Soft-deletes the files of a record being deleted (inside its transaction)."""
    kind = type_of_model(type(record))
    if kind is None:
        return 0
    return Attachment.objects.filter(tenant_id=record.tenant_id, record_type=kind.label,
                                     record_id=kind.ref_of(record)).update(
        is_deleted=True, deleted_at=timezone.now(), deleted_by=getattr(actor, "person_id", None) or "system",
        updated_at=timezone.now())


def files_purge(*, now=None, retention_days: int | None = None, orphans_older_than=timedelta(hours=6)) -> dict:
    """Remove the bytes of files deleted longer than the retention ago (the rows stay, `purged_at`
    set), and stored bytes no row names (an upload whose transaction rolled back)."""
    now = now or timezone.now()
    days = settings.FILES_RETENTION_DAYS if retention_days is None else retention_days
    due = Attachment.all_objects.filter(is_deleted=True, purged_at__isnull=True, deleted_at__lte=now - timedelta(days=days))
    storage = file_storage()
    purged = 0
    for attachment in due.iterator():
        try:
            storage.delete(attachment.storage_name)
        except Exception:
            logger.warning("purge: could not delete %s", attachment.storage_name, exc_info=True)
            continue
        Attachment.all_objects.filter(pk=attachment.pk).update(purged_at=now)
        purged += 1
    return {"purged": purged, "orphans": _sweep_orphans(storage, now - orphans_older_than)}


def _sweep_orphans(storage, before) -> int:
    removed = 0
    try:
        tenants, _ = storage.listdir("")
    except (FileNotFoundError, NotImplementedError):
        return 0
    for tenant in tenants:
        _, names = storage.listdir(tenant)
        known = set(Attachment.all_objects.filter(tenant_id=tenant, id__in=names).values_list("id", flat=True))
        for name in names:
            if name in known:
                continue
            path = f"{tenant}/{name}"
            try:
                if storage.get_modified_time(path) > before:
                    continue  # an upload still being written (its row commits right after)
            except (NotImplementedError, OSError):
                continue
            storage.delete(path)
            removed += 1
    return removed


def attachment_for_mail(*, tenant_id: str, attachment_id: str) -> tuple[str, bytes, str] | None:
    """(filename, bytes, type) of a clean file for an e-mail the system sends (None: gone or not clean)."""
    attachment = Attachment.objects.filter(tenant_id=tenant_id, pk=attachment_id).first()
    if attachment is None or not attachment.downloadable:
        return None
    with file_storage().open(attachment.storage_name, "rb") as handle:
        return attachment.filename, handle.read(), attachment.content_type


def files_rescan(*, batch: int = 500) -> dict:
    """Scan the pending files again (the scanner was down when they came)."""
    from .models import ScanStatus

    counts = {"clean": 0, "quarantined": 0, "pending": 0}
    storage = file_storage()
    for attachment in Attachment.objects.filter(scan_status=ScanStatus.PENDING).order_by("id")[:batch]:
        with storage.open(attachment.storage_name, "rb") as handle:
            verdict = scan(handle.read())
        Attachment.objects.filter(pk=attachment.pk).update(scan_status=verdict.status, scan_detail=verdict.detail,
                                                           updated_at=timezone.now())
        counts[verdict.status if verdict.status in counts else "pending"] += 1
    return counts
