"""Integration actions: keys shown once, secrets into the secret store, never onto records."""
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core import services as core
from apps.core.ids import new_id
from apps.core.json_shapes import check_shapes
from apps.core.principal import Principal

from . import breaker, limits, webhook_headers
from .auth import hash_key
from .credentials import next_rotation
from .models import Application, Connector, IntegrationApiKey, Webhook
from .outbound import check_target_url, fingerprint, generate_secret, parse_retry_policy
from .receivers import request_pass
from .secret_store import secret_path, secret_store

SECRET_LOOKING = re.compile(r"(secret|password|passwd|token|api[_-]?key|private[_-]?key|credential)", re.I)
_UNSET = object()


def _application(actor: Principal, application_id: str | None) -> Application | None:
    if not application_id:
        return None
    app = Application.objects.filter(tenant_id=actor.tenant_id, pk=application_id).first()
    if app is None:
        raise ValidationError({"application_id": "No such application in your tenant."})
    return app


def _pop_application(actor: Principal, data: dict):
    """`application_id` (API) or `application` (an Application instance: the admin); _UNSET when neither.
    Either way the application must be one of the caller's tenant."""
    if "application_id" in data:
        data.pop("application", None)
        return _application(actor, data.pop("application_id"))
    if "application" in data:
        app = data.pop("application")
        if app is not None and (not isinstance(app, Application) or app.tenant_id != actor.tenant_id or app.is_deleted):
            raise ValidationError({"application_id": "No such application in your tenant."})
        return app
    return _UNSET


def check_config(config: dict) -> None:
    """A secret-looking key anywhere in `config` (inside objects and lists, at any depth) is refused:
    `config` is returned and kept in history, secrets belong in `credentials`."""
    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                if SECRET_LOOKING.search(str(key)):
                    raise ValidationError({"config": f"'{path}{key}' looks like a secret; send it in `credentials`."})
                walk(inner, f"{path}{key}.")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{path.removesuffix('.')}[{index}].")
    check_shapes(Connector, {"config": config})
    walk(config, "")


def check_webhook_target(url: str) -> None:
    try:
        check_target_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
    except ValueError as exc:
        raise ValidationError({"url": f"Refused target: {exc}."}) from exc


def check_retry_policy(raw) -> None:
    try:
        parse_retry_policy(raw)
    except ValueError as exc:
        raise ValidationError({"retry_policy": str(exc)}) from exc


def new_raw_key() -> str:
    return "sk-" + secrets.token_urlsafe(30)[:40]


def check_scope_names(scopes) -> None:
    check_shapes(IntegrationApiKey, {"scopes": scopes})


@transaction.atomic
def integration_api_key_create(*, actor: Principal, data: dict, rotated_from: IntegrationApiKey | None = None) -> IntegrationApiKey:
    """The key acts for `actor` (its person and its roles now), never beyond `actor`'s own reach."""
    core.check_write(actor, IntegrationApiKey)
    data = dict(data)
    application = _pop_application(actor, data)
    application = None if application is _UNSET else application
    data["tenant_wide"] = bool(data.get("tenant_wide"))
    check_scope_names(data.setdefault("scopes", []))
    limits.check_key_reach(actor, scopes=data["scopes"], application=application, tenant_wide=data["tenant_wide"])
    raw = new_raw_key()
    key = IntegrationApiKey(**data, application=application, key_hash=hash_key(raw), prefix=raw[:8],
                            created_by_user_id=actor.person_id, creator_roles=sorted(actor.roles))
    if rotated_from is not None:
        key.rotated_from_key_id = rotated_from.pk
    key = core.record_create(actor=actor, obj=key)
    key.raw_key = raw  # shown once, in this response only
    return key


@transaction.atomic
def integration_api_key_update(*, actor: Principal, obj: IntegrationApiKey, data: dict,
                               if_match: str | None = None) -> IntegrationApiKey:
    """Admin edits: the key's reach after the change is checked as at creation."""
    core.check_write(actor, IntegrationApiKey)
    data = dict(data)
    application = _pop_application(actor, data)
    if application is not _UNSET:
        data["application"] = application
    if "scopes" in data:
        check_scope_names(data["scopes"])
    limits.check_key_reach(actor, scopes=data.get("scopes", obj.scopes),
                           application=data.get("application", obj.application),
                           tenant_wide=bool(data.get("tenant_wide", obj.tenant_wide)))
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


ROTATED_FIELDS = ("name", "kind", "issued_to_user_id", "issued_to_service", "scopes", "allowed_models", "tpm_limit",
                  "rpm_limit", "max_budget_usd", "blocked", "blocked_reason", "tags", "tenant_wide")


@transaction.atomic
def integration_api_key_rotate(*, actor: Principal, obj: IntegrationApiKey, grace_seconds: int = 86_400) -> IntegrationApiKey:
    """A new key with the same settings, made by (and acting for) `actor`; the old one keeps working
    for `grace_seconds`. The old row is locked: concurrent rotations leave exactly one successor."""
    core.check_write(actor, IntegrationApiKey)
    old = core.lock(obj)
    successor = IntegrationApiKey.all_objects.filter(rotated_from_key_id=old.pk).values_list("pk", flat=True).first()
    if successor:
        raise core.TransitionConflict(f"This key was already rotated (its successor is {successor}); rotate that one.",
                                      allowed_transitions=[])
    if not old.usable():
        raise core.TransitionConflict("Only an active key can be rotated.", allowed_transitions=[])
    new = integration_api_key_create(actor=actor, data={f: getattr(old, f) for f in ROTATED_FIELDS} | {
        "application": old.application, "expires_at": old.expires_at}, rotated_from=old)
    grace_end = timezone.now() + timedelta(seconds=grace_seconds)
    if old.expires_at is None or old.expires_at > grace_end:
        core.record_update(actor=actor, obj=old, data={"expires_at": grace_end})
    return new


def _check_headers(headers) -> None:
    try:
        webhook_headers.check_headers(headers)
    except ValueError as exc:
        raise ValidationError({"headers": str(exc)}) from exc


def _store_webhook_secrets(webhook: Webhook, *, secret: str, headers: dict) -> None:
    """The signing secret and the custom header values, in one secret-store entry; the record keeps masks."""
    webhook.vault_path = secret_path(webhook.tenant_id, "webhooks", webhook.pk, "signing")
    webhook.secret_fingerprint = fingerprint(secret)
    webhook.headers = webhook_headers.masked(headers)
    secret_store().put(webhook.vault_path, {"secret": secret, **({"headers": headers} if headers else {})})


@transaction.atomic
def webhook_create(*, actor: Principal, data: dict) -> Webhook:
    core.check_write(actor, Webhook)
    data = dict(data)
    application = _pop_application(actor, data)
    application = None if application is _UNSET else application
    headers = data.pop("headers", None) or {}
    _check_headers(headers)
    limits.check_webhook_reach(actor, event_types=data.get("event_types") or [], application=application)
    check_webhook_target(data.get("url", ""))
    check_retry_policy(data.get("retry_policy"))
    webhook = Webhook(**data, application=application)
    webhook.tenant_id = actor.tenant_id
    webhook.id = new_id(Webhook.id_prefix)
    secret = generate_secret()
    _store_webhook_secrets(webhook, secret=secret, headers=headers)
    webhook = core.record_create(actor=actor, obj=webhook)
    webhook.raw_secret = secret
    return webhook


@transaction.atomic
def webhook_update(*, actor: Principal, obj: Webhook, data: dict, if_match: str | None = None) -> Webhook:
    core.check_write(actor, Webhook)
    data = dict(data)
    if "url" in data:
        check_webhook_target(data["url"])
    if "retry_policy" in data:
        check_retry_policy(data["retry_policy"])
    application = _pop_application(actor, data)
    if application is not _UNSET:
        data["application"] = application
    # The webhook as it will be must stay within the caller's reach (a key cannot take over a wider one).
    limits.check_webhook_reach(actor, event_types=data.get("event_types", obj.event_types) or [],
                               application=data.get("application", obj.application))
    if "headers" in data:
        data["headers"] = _replace_headers(obj, data["headers"] or {})
    resuming = obj.paused_at is not None and (data.get("enabled") is True or data.get("paused_at", _UNSET) is None)
    if data.get("enabled") is True or data.get("paused_at", _UNSET) is None:
        # re-enabling resumes a paused webhook: the breaker closes and the waiting deliveries drain in order
        data.update(paused_at=None, consecutive_failures=0, failing_since=None, probe_at=None, failed_probes=0)
    webhook = core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)
    if resuming:
        breaker.requeue_backlog(webhook.pk, now=timezone.now())
        transaction.on_commit(request_pass)
    return webhook


def _replace_headers(webhook: Webhook, headers: dict) -> dict:
    """Store the new header values (MASK keeps a stored one); returns the masked names for the record."""
    stored = secret_store().get(webhook.vault_path) or {}
    try:
        values = webhook_headers.merge(headers, stored.get("headers") or {})
    except ValueError as exc:
        raise ValidationError({"headers": str(exc)}) from exc
    _check_headers(values)
    if values != (stored.get("headers") or {}):
        if "secret" not in stored:
            raise ValidationError({"headers": "This webhook has no signing secret in the secret store; recreate it."})
        secret_store().put(webhook.vault_path, {"secret": stored["secret"], **({"headers": values} if values else {})})
    return webhook_headers.masked(values)


@transaction.atomic
def connector_create(*, actor: Principal, data: dict) -> Connector:
    data = dict(data)
    credentials = data.pop("credentials", None)
    application = _pop_application(actor, data)
    application = None if application is _UNSET else application
    check_config(data.get("config") or {})
    connector = Connector(**data, application=application, id=new_id(Connector.id_prefix))
    connector.tenant_id = actor.tenant_id
    connector.vault_path = secret_path(actor.tenant_id, "connectors", connector.id, "credentials")
    if credentials:
        secret_store().put(connector.vault_path, credentials)
        connector.credential_last_rotated_at = timezone.now()
        connector.next_rotation_due = connector.next_rotation_due or next_rotation(connector.credential_last_rotated_at)
    return core.record_create(actor=actor, obj=connector)


@transaction.atomic
def connector_update(*, actor: Principal, obj: Connector, data: dict, if_match: str | None = None) -> Connector:
    data = dict(data)
    credentials = data.pop("credentials", None)
    if "config" in data:
        check_config(data["config"] or {})
    application = _pop_application(actor, data)
    if application is not _UNSET:
        data["application"] = application
    if credentials:
        secret_store().put(obj.vault_path, credentials)
        data["credential_last_rotated_at"] = timezone.now()
        data.setdefault("next_rotation_due", next_rotation(data["credential_last_rotated_at"]))
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


@transaction.atomic
def connector_delete(*, actor: Principal, obj: Connector, if_match: str | None = None) -> None:
    core.record_delete(actor=actor, obj=obj, if_match=if_match)
    transaction.on_commit(lambda: secret_store().delete(obj.vault_path))


@transaction.atomic
def webhook_send_test(*, actor: Principal, webhook: Webhook):
    """A `integration.webhook.test` event delivered to this webhook only."""
    from apps.core.models import Event

    from .delivery_engine import WEBHOOKS
    from .models import WebhookDelivery

    event = Event.objects.create(tenant_id=webhook.tenant_id, type="integration.webhook.test", entity_type="integration.Webhook",
                                 entity_id=webhook.pk, actor_id=actor.person_id, payload={"webhook_id": webhook.pk, "test": True})
    WEBHOOKS.mark_done([event])  # its one delivery is made here, not by fan-out
    return WebhookDelivery.objects.create(tenant_id=webhook.tenant_id, webhook=webhook, event=event, event_type=event.type)


REPLAY_MAX_EVENTS = 50_000  # one replay's reach; a wider range is replayed in parts


@transaction.atomic
def webhook_replay(*, actor: Principal, webhook: Webhook, since, until=None) -> int:
    """Send again every event of the webhook's subscription that happened in [since, until] (until:
    now), each with its delivery's own `webhook-id`: delivered and given-up deliveries go back to the
    queue, events that have none (the webhook was disabled, or they expired) get one. The webhook's
    history records who replayed which range, and an `integration.webhook.replayed` event says it.
    Returns how many deliveries were queued."""
    from apps.core import events
    from apps.core.models import Event

    from .choices import DeliveryStatus
    from .models import WebhookDelivery

    core.check_write(actor, Webhook)
    now = timezone.now()
    until = until or now
    if since is None or since > now:
        raise ValidationError({"since": "The range must start in the past."})
    if since >= until:
        raise ValidationError({"until": "The range must end after it starts."})
    webhook = core.lock(webhook)
    if webhook.tenant_id != actor.tenant_id or webhook.is_deleted:
        raise ValidationError({"webhook": "No such webhook in your tenant."})
    in_range = Event.objects.filter(tenant_id=webhook.tenant_id, created_at__gte=since, created_at__lte=until)
    if in_range.count() > REPLAY_MAX_EVENTS:
        raise ValidationError({"since": f"More than {REPLAY_MAX_EVENTS} events in that range; replay a shorter one."})
    wanted = [e for e in in_range.order_by("id").iterator(chunk_size=2000) if webhook.receives(e)]
    ids = [e.pk for e in wanted]
    have = set(WebhookDelivery.objects.filter(webhook=webhook, event_id__in=ids).values_list("event_id", flat=True))
    queued = WebhookDelivery.objects.filter(webhook=webhook, event_id__in=ids).exclude(
        status=DeliveryStatus.DELIVERING).update(status=DeliveryStatus.PENDING, next_attempt_at=F("created_at"),
                                                  attempts=0, leased_until=None, updated_at=now)
    missing = [WebhookDelivery(id=new_id("msg"), tenant_id=webhook.tenant_id, webhook=webhook, event=e, event_type=e.type,
                               next_attempt_at=e.created_at, created_at=now) for e in wanted if e.pk not in have]
    WebhookDelivery.objects.bulk_create(missing, batch_size=1000)
    count = queued + len(missing)
    webhook._history_user = actor
    webhook._change_reason = f"replayed {count} deliveries of events from {since.isoformat()} to {until.isoformat()}"[:100]
    webhook.updated_at, webhook.updated_by = now, actor.person_id
    webhook.save(update_fields=["updated_at", "updated_by"])
    events.emit(obj=webhook, action="replayed", actor=actor, payload={
        "webhook_id": webhook.pk, "since": since.isoformat(), "until": until.isoformat(), "deliveries": count})
    transaction.on_commit(request_pass)
    return count
