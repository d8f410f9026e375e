"""A record deleted (soft) takes its files with it, in the same transaction."""
from django.dispatch import receiver

from apps.core.events import event_emitted

from .records import type_of_model


@receiver(event_emitted, dispatch_uid="files.delete_with_record")
def delete_files_with_record(sender, obj, action, actor=None, **kwargs):
    if action != "deleted" or type_of_model(sender) is None:
        return
    from .services import attachments_delete_for_record

    attachments_delete_for_record(record=obj, actor=actor)
