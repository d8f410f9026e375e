"""Files on records (their bytes written to the "files" storage, as the service does)."""
import hashlib

import factory
from django.core.files.base import ContentFile

from apps.files.models import Attachment

from .base import TenantRecordFactory, register
from .helpdesk import TicketFactory

TEXT = b"Printer on floor 3 says PC LOAD LETTER.\n"


@register
class AttachmentFactory(TenantRecordFactory):
    """A text file on a new ticket of the row's tenant (`record_type=`/`record_id=` for another record)."""

    filename = factory.Sequence(lambda n: f"notes-{n}.txt")
    content_type = "text/plain"
    record_type = "helpdesk.ticket"
    record_id = factory.LazyAttribute(lambda o: TicketFactory(tenant_id=o.tenant_id).pk)
    size = len(TEXT)
    sha256 = hashlib.sha256(TEXT).hexdigest()

    class Meta:
        model = Attachment

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        super()._before_save(obj, given=given)
        from apps.files.services import file_storage

        obj.storage_name = file_storage().save(f"{obj.tenant_id}/{obj.id}", ContentFile(TEXT))
