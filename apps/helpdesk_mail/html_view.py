"""An e-mail's HTML on the ticket page: served from the app, sanitised again on the way out (nh3), inside
a sandboxed frame (no scripts, no forms, no same-origin access) whose policy loads nothing from outside
(remote images in mail are trackers), framed only by the app's own pages."""
import nh3
from django.http import Http404, HttpResponse
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_sameorigin

from apps.core.admin_base import principal_for

from .models import InboundMessage
from .selectors import html_message_for

HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>{title}</title><style>'
        "body{{font:14px/1.5 system-ui,sans-serif;margin:0.75rem;color:#111;background:#fff}}"
        "img{{max-width:100%;height:auto}}table{{max-width:100%}}</style></head><body>{body}</body></html>")


def _no_remote_images(tag: str, attribute: str, value: str) -> str | None:
    """A remote image in mail reports that it was opened (a tracker); the policy would block it anyway,
    and a dropped source shows no broken-image box."""
    if tag == "img" and attribute in ("src", "srcset") and not value.startswith("data:"):
        return None
    return value


@xframe_options_sameorigin
def inbound_html_view(request, object_id: str) -> HttpResponse:
    row = InboundMessage.objects.filter(pk=object_id).only("tenant_id").first()
    actor = principal_for(request, row) if row is not None else None
    message = html_message_for(principal=actor, message_id=object_id) if actor is not None else None
    if message is None:
        raise Http404("No such message in your tenant.")
    response = HttpResponse(PAGE.format(title=escape(message.subject), body=nh3.clean(message.html, attribute_filter=_no_remote_images)),
                            content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = HTML_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response
