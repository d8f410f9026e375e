"""The download a signed e-mail link opens (apps/files/links.py)."""
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from apps.core.models import StaffMembership
from apps.core.principal import Principal
from apps.notifications.links import LinkExpired, LinkInvalid

from .download import download_response
from .errors import FileNotDownloadable, FileNotFound, StorageFailed
from .links import FileLink
from .services import attachment_open


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_GET
def download(request, token: str):
    try:
        link = FileLink.read(token)
    except LinkExpired:
        return _text(410, "This link has expired. Ask for the file again, or download it from the request.")
    except LinkInvalid:
        return _text(404, "This link is not valid.")
    membership = StaffMembership.objects.filter(tenant_id=link.tenant_id, person_id=link.person_id).first()
    actor = Principal(person_id=link.person_id, tenant_id=link.tenant_id,
                      roles=frozenset(membership.roles or []) if membership else frozenset(), source_type="frontend")
    try:
        attachment, handle = attachment_open(actor=actor, attachment_id=link.attachment_id)
    except FileNotFound:
        return _text(404, "This file is not there any more, or not yours to see.")
    except (FileNotDownloadable, StorageFailed) as exc:
        return _text(exc.status, exc.detail)
    return download_response(attachment, handle)
