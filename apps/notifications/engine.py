"""Outbox events to notifications (fan-out) and notifications to mail (send), both resumable.

Fan-out writes an event's notifications and marks it done for the `notifications` consumer
(apps/core/outbox_consumer.py) in one transaction; both are unique, so a pass that runs twice or
concurrently creates nothing twice. A send leases rows; each
message's outcome is committed right after the SMTP server answers, so a worker that dies resends
at most the one message it was in the middle of (same Message-ID) once its lease runs out. Both take
their batches round-robin across tenants (the framework's `fair_pick_from`): one tenant's flood of
events or messages holds back another tenant's by no more than one batch.
"""
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.ids import new_id
from apps.core.models import Event
from apps.core.outbox_consumer import Lease, OutboxConsumer, backoff as retry_backoff, fair_pick_from, skip_locked

from . import content, slack
from .choices import Channel
from .choices import NotificationStatus as S
from .models import DIGEST_KIND, Notification, Preference
from .recipients import addresses
from .registry import EVENT_TYPES, Rule, kind, rules_for

logger = logging.getLogger(__name__)


# The registered event types of the lookback window: a notification about an old change is noise.
NOTIFICATIONS = OutboxConsumer("notifications", types=lambda: EVENT_TYPES, lookback_setting="NOTIFY_OUTBOX_LOOKBACK_HOURS")
LEASE = Lease(model=Notification, waiting=S.PENDING, leased=S.SENDING, seconds_setting="NOTIFY_LEASE_SECONDS")
# Events or messages one tenant is sure of in a batch while others wait (the whole batch when none do).
PER_TENANT_BATCH = 10


def preferences(tenant_id: str, person_ids) -> dict[str, Preference]:
    return {p.person_id: p for p in Preference.objects.filter(tenant_id=tenant_id, person_id__in=set(person_ids))}


# -- fan-out ------------------------------------------------------------------------------------------
def notifications_for(event: Event) -> list[Notification]:
    """The event's notifications, one per recipient, decided by the registry and each person's
    preferences, rendered now (the row is the record of what was sent)."""
    rules = rules_for(event.type)
    rows: list[Notification] = []
    for rule in rules:  # a person named by two rules hears once, by the first
        rows += _rows_for(event, rule, skip={row.recipient_id for row in rows})
    channel = slack.settings_for(event.tenant_id)
    if channel is not None and rules and channel.posts(rules[0].kind):
        rows.append(slack.row_for(event, rules[0]))
    return rows


def _rows_for(event: Event, rule: Rule, *, skip: set[str]) -> list[Notification]:
    wanted: dict[str, str] = {}
    for person_id, reason in rule.recipients(event):
        if person_id not in skip:
            wanted.setdefault(person_id, reason)
    if not wanted:
        return []
    found, prefs, what = addresses(event.tenant_id, wanted), preferences(event.tenant_id, wanted), kind(rule.kind)
    headers = rule.headers(event) if rule.headers is not None else {}
    rows = []
    for person_id, reason in wanted.items():
        row = Notification(id=new_id("ntf"), tenant_id=event.tenant_id, event=event, event_type=event.type,
                           kind=rule.kind, recipient_id=person_id, reason=reason[:300], headers=headers)
        address, pref = found.get(person_id), prefs.get(person_id)
        if address is None:
            row.status, row.last_error = S.SKIPPED, "no email address on file for this person"
        elif pref is not None and not what.mandatory and rule.kind in (pref.disabled_kinds or []):
            row.status, row.last_error = S.SKIPPED, "turned off in the person's preferences"
        elif pref is not None and pref.digest and what.digestible:
            row.status = S.DIGEST_QUEUED
        if address is not None:
            row.recipient_email = address.email
            ctx = content.context_for(event=event, rule=rule, notification=row, name=address.name)
            ctx["reply_to"] = headers.get("Reply-To", "")  # "reply to this e-mail" only where replies are read
            row.subject, row.text_body, row.html_body = content.render(rule.template, ctx)
            row.links = ctx["links"]
            row.message_id = message_id(row)
        rows.append(row)
    return rows


def message_id(row: Notification) -> str:
    return f"<{row.id}@{settings.NOTIFY_MESSAGE_ID_DOMAIN}>"


def events_due(*, batch: int, now) -> list[Event]:
    """The next events to fan out: round-robin across tenants, each tenant's oldest first."""
    ids = fair_pick_from(NOTIFICATIONS.pending(now=now), batch=batch, per_tenant=PER_TENANT_BATCH, at="created_at")
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(Event.objects.filter(pk__in=ids), key=lambda event: order[event.pk])


def fan_out(*, batch: int = 200, now=None) -> int:
    """Turn registered outbox events of the lookback window into notifications; how many rows."""
    now = now or timezone.now()
    created = 0
    while True:
        events = events_due(batch=batch, now=now)
        failed = 0
        for event in events:
            try:
                with transaction.atomic():
                    rows = notifications_for(event)
                    Notification.objects.bulk_create(rows, ignore_conflicts=True)
                    NOTIFICATIONS.mark_done([event])
                created += len(rows)
            except Exception:  # one event's trouble holds back no other; it is tried again next pass
                failed += 1
                logger.exception("notification fan-out failed for event %s", event.pk)
        if len(events) < batch or failed == len(events):
            return created


# -- digests ------------------------------------------------------------------------------------------
def build_digests(*, now=None) -> int:
    """Gather each person's queued notifications into today's digest row (sent by the send pass);
    how many digests were made or extended. A digest already on its way leaves new items for tomorrow."""
    now = now or timezone.now()
    day = now.date()
    people = (Notification.objects.filter(status=S.DIGEST_QUEUED).values_list("tenant_id", "recipient_id", "channel")
              .distinct().order_by())
    made = 0
    for tenant_id, person_id, channel in list(people):
        with transaction.atomic():
            digest, _ = Notification.objects.get_or_create(
                tenant_id=tenant_id, recipient_id=person_id, channel=channel, kind=DIGEST_KIND, digest_day=day,
                defaults={"id": new_id("ntf"), "reason": "daily digest chosen in the person's preferences",
                          "status": S.PENDING, "next_attempt_at": now})
            digest = skip_locked(Notification.objects.filter(pk=digest.pk, status=S.PENDING)).first()
            if digest is None:
                continue  # today's digest is being sent or was sent
            queued = list(skip_locked(Notification.objects.filter(
                tenant_id=tenant_id, recipient_id=person_id, channel=channel, status=S.DIGEST_QUEUED)))
            Notification.objects.filter(pk__in=[n.pk for n in queued]).update(status=S.DIGESTED, digest=digest,
                                                                              updated_at=now)
            items = list(digest.items.order_by("id"))
            address = addresses(tenant_id, [person_id]).get(person_id)
            if address is None:
                digest.status, digest.last_error = S.SKIPPED, "no email address on file for this person"
            else:
                ctx = content.digest_context(digest=digest, items=items, name=address.name)
                digest.recipient_email = address.email
                digest.subject, digest.text_body, digest.html_body = content.render("digest", ctx)
                digest.links, digest.message_id = ctx["links"], message_id(digest)
            digest.updated_at = now
            digest.save()
            made += 1
    return made


# -- send ---------------------------------------------------------------------------------------------
# Due: pending and its attempt time has come, or leased by a pass whose lease ran out.
_DUE_SQL = "((status = %s AND next_attempt_at <= %s) OR (status = %s AND leased_until < %s))"


def _due_q(now) -> Q:
    return Q(status=S.PENDING, next_attempt_at__lte=now) | LEASE.expired_q(now)


def _lease(*, batch: int, now) -> list[Notification]:
    """Lease the next due messages, round-robin across tenants; a message another pass leased
    meanwhile is not taken twice (the claim checks it is still due)."""
    candidates = fair_pick_from(Notification.objects.filter(_due_q(now)), batch=batch, per_tenant=PER_TENANT_BATCH)
    at = connection.ops.adapt_datetimefield_value(now)
    ids = LEASE.claim(candidates, now=now, due_sql=_DUE_SQL, due_params=[S.PENDING, at, S.SENDING, at])
    order = {pk: i for i, pk in enumerate(candidates)}
    return sorted(Notification.objects.filter(pk__in=ids), key=lambda row: order[row.pk])


def email_for(row: Notification, mail_connection) -> EmailMultiAlternatives:
    # Threading and Reply-To a rule asked for (a ticket's thread), then what every message carries.
    headers = {**(row.headers or {}), "Message-ID": row.message_id, "X-Backoffice-Notification": row.id,
               "Auto-Submitted": "auto-generated"}
    if unsubscribe := row.links.get("unsubscribe"):
        headers |= {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(subject=row.subject, body=row.text_body, from_email=settings.NOTIFY_FROM_EMAIL,
                                     to=[row.recipient_email], headers=headers, connection=mail_connection)
    message.attach_alternative(row.html_body, "text/html")
    for attachment_id in row.links.get("attach_files", []):  # only when the tenant chose the bytes in the mail
        from apps.files.services import attachment_for_mail

        if (found := attachment_for_mail(tenant_id=row.tenant_id, attachment_id=attachment_id)) is not None:
            message.attach(*found)
    return message


def permanent(exc: Exception) -> bool:
    """5xx answers (a refused recipient, a refused message) will not change on a retry; nor a
    Slack webhook's refusal (slack.SlackError says)."""
    if isinstance(exc, slack.SlackError):
        return exc.permanent
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def backoff(attempts: int) -> timedelta:
    return retry_backoff(attempts, base=settings.NOTIFY_RETRY_BASE_SECONDS, cap=settings.NOTIFY_RETRY_MAX_SECONDS,
                         spread=(0.8, 1.2))


def _renew(row: Notification) -> bool:
    """Right before sending, renew this worker's lease on the message: a batch slower than its lease
    never sends a message that another worker has leased since."""
    return bool(LEASE.renew([row]))


def _record(row: Notification, *, lease_until, error: Exception | None) -> str:
    """Commit one message's outcome, if this worker's lease on it still holds."""
    now = timezone.now()
    mine = LEASE.holding(row.pk, lease_until)
    changes = {"attempts": row.attempts + 1, "leased_until": None, "updated_at": now}
    if error is None:
        outcome, changes = S.SENT, changes | {"status": S.SENT, "sent_at": now, "last_error": ""}
    else:
        message = f"{type(error).__name__}: {error}"[:1000]
        gave_up = permanent(error) or row.attempts + 1 >= settings.NOTIFY_MAX_ATTEMPTS
        outcome = S.FAILED if gave_up else S.PENDING
        changes |= {"status": outcome, "last_error": message}
        if not gave_up:
            changes["next_attempt_at"] = now + backoff(row.attempts + 1)
    mine.update(**changes)
    return outcome


def send_due(*, batch: int = 50, now=None) -> dict[str, int]:
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    rows = _lease(batch=batch, now=now or timezone.now())
    if not rows:
        return counts
    mail_connection = get_connection(fail_silently=False)
    try:
        try:
            if any(row.channel == Channel.EMAIL for row in rows):
                mail_connection.open()  # one SMTP session for the batch
        except Exception:  # each message below tries again and records its own error
            logger.warning("could not open the mail connection", exc_info=True)
        for row in rows:
            if not _renew(row):
                continue  # our lease ran out (a slow batch) and another worker took the message
            error = None
            try:
                if row.channel == Channel.SLACK:
                    slack.send(row)
                else:
                    email_for(row, mail_connection).send()
            except Exception as exc:  # the server refused or went away: this message only is retried
                logger.warning("notification %s not sent: %s", row.pk, exc)
                error = exc
                try:
                    if row.channel == Channel.EMAIL:
                        mail_connection.close()
                except Exception:
                    pass
            outcome = _record(row, lease_until=row.leased_until, error=error)
            counts["sent" if outcome == S.SENT else "retrying" if outcome == S.PENDING else "failed"] += 1
    finally:
        try:
            mail_connection.close()
        except Exception:
            pass
    return counts


def run_pass(*, digests: bool = False) -> dict[str, int]:
    """One pass; with `digests` (the daily job) also today's digests and the pruning of old marks."""
    counts = {"notified": fan_out()}
    NOTIFICATIONS.advance()
    if digests:
        counts["digests"] = build_digests()
    return counts | send_due()
