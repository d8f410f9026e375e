"""The Slack channel: one message per event to the tenant's incoming webhook, `{"text": ...}`.

A Slack row is a Notification like an email (same lease, retry, backoff and uniqueness per event,
recipient and channel); its recipient is the tenant's channel, not a person, so a person's
preferences and digests do not apply, and it carries no link that acts for someone (decision,
unsubscribe): the subject and the record's back-office page only.
"""
import json

from django.conf import settings

from apps.core.ids import new_id
from apps.core.models import Event
from apps.integration.outbound import post
from apps.integration.secret_store import secret_store

from . import content
from .choices import Channel
from .models import Notification, SlackSettings

RECIPIENT = "slack:channel"


class SlackError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def settings_for(tenant_id: str) -> SlackSettings | None:
    return SlackSettings.objects.filter(tenant_id=tenant_id).first()


def text_of(subject: str, record_url: str) -> str:
    return f"{subject}\n<{record_url}|Open in the back office>" if record_url else subject


def row_for(event: Event, rule) -> Notification:
    row = Notification(id=new_id("ntf"), tenant_id=event.tenant_id, event=event, event_type=event.type, kind=rule.kind,
                       channel=Channel.SLACK, recipient_id=RECIPIENT, reason="the tenant's Slack channel")
    ctx = content.context_for(event=event, rule=rule, notification=row, name="team")
    row.subject, _, _ = content.render(rule.template, ctx)
    row.text_body = text_of(row.subject, ctx["record_url"])
    row.message_id = row.id
    return row


def send(row: Notification) -> None:
    """POST the row's text; a SlackError says whether a retry could help."""
    config = settings_for(row.tenant_id)
    if config is None or not config.secret_path:
        raise SlackError("Slack is not configured for this tenant any more", permanent=True)
    url = (secret_store().get(config.secret_path) or {}).get("url")
    if not url:
        raise SlackError(f"no webhook URL in the secret store at {config.secret_path}", permanent=True)
    result = post(url=url, body=json.dumps({"text": row.text_body}).encode(), headers={},
                  timeout=getattr(settings, "NOTIFY_SLACK_TIMEOUT_SECONDS", 10), allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    if result.ok:
        return
    code = result.status_code
    # Slack answers 4xx for a revoked or wrong URL (404 no_service, 403 …): retrying will not help; 429 and 5xx may.
    permanent = (code is not None and 400 <= code < 500 and code not in (408, 429)) or (
        result.error or "").startswith("ssrf_refused")
    raise SlackError(f"{result.error}: {result.response_excerpt[:200]}".strip(": "), permanent=permanent)
