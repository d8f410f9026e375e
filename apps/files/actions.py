"""Files writes, one map per model (apps/core/actions.py): a file is added by `file_attach`, removed here."""
from apps.core.actions import Actions

from .models import Attachment
from .services import attachment_delete

ATTACHMENT_ACTIONS = Actions(Attachment, delete=attachment_delete)
