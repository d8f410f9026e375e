"""A file kept on a record of any domain (a ticket, a comment, an HR request…): its bytes live in the
"files" storage (settings.STORAGES), the row says what they are and which record they belong to."""
from django.db import models

from apps.core.models import TenantModel, tracked_history

from .visibility import RecordVisibility


class ScanStatus(models.TextChoices):
    NOT_SCANNED = "not_scanned"  # no scanner configured
    CLEAN = "clean"
    PENDING = "pending"  # the scanner could not be reached: not downloadable until a rescan
    QUARANTINED = "quarantined"  # the scanner found malware: never downloadable


class Origin(models.TextChoices):
    UPLOAD = "upload"
    EMAIL = "email"
    LETTER = "letter"
    REPORT = "report"  # an evidence report the system drew (apps/files/evidence.py)


class Attachment(TenantModel):
    id_prefix = "att"
    not_directory_fields = ("record_id",)
    # Who reads a file is decided by its record (apps/files/visibility.py): whoever sees the record,
    # by that model's own declaration, and the uploader their own uploads.
    visibility = RecordVisibility(mine=("created_by",))
    api_hidden_fields = ("storage_name",)
    event_payload_exclude = ("storage_name",)

    record_type = models.CharField(max_length=64, editable=False, help_text="The record's model, `helpdesk.ticket`.")
    record_id = models.CharField(max_length=64, editable=False)
    filename = models.CharField(max_length=255, editable=False)
    content_type = models.CharField(max_length=100, editable=False, help_text="Detected from the bytes, not the name.")
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    storage_name = models.CharField(max_length=255, editable=False)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.UPLOAD, editable=False)
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED,
                                   editable=False)
    scan_detail = models.CharField(max_length=200, blank=True, default="", editable=False)
    purged_at = models.DateTimeField(null=True, blank=True, editable=False,
                                     help_text="When `manage.py purge_files` removed the bytes of the deleted file.")

    history = tracked_history()

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["tenant_id", "record_type", "record_id"], name="att_tenant_record"),
                   models.Index(fields=["is_deleted", "purged_at", "deleted_at"], name="att_purge")]

    def __str__(self) -> str:
        return self.filename

    @property
    def downloadable(self) -> bool:
        return self.scan_status in (ScanStatus.NOT_SCANNED, ScanStatus.CLEAN) and not self.is_deleted

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")
