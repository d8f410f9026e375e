"""Integration actions: keys shown once, secrets into the secret store, never onto records."""
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.principal import Principal

from .auth import hash_key
from .models import Application, Connector, IntegrationApiKey, Webhook
from .outbound import check_target_url, fingerprint, generate_secret, parse_retry_policy
from .secret_store import secret_path, secret_store

SECRET_LOOKING = re.compile(r"(secret|password|passwd|token|api[_-]?key|private[_-]?key|credential)", re.I)


def _application(actor: Principal, application_id: str | None) -> Application | None:
    if not application_id:
        return None
    app = Application.objects.filter(tenant_id=actor.tenant_id, pk=application_id).first()
    if app is None:
        raise ValidationError({"application_id": "No such application in your tenant."})
    return app


def check_config(config: dict) -> None:
    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                if SECRET_LOOKING.search(str(key)):
                    raise ValidationError({"config": f"'{path}{key}' looks like a secret; send it in `credentials`."})
                walk(inner, f"{path}{key}.")
    if not isinstance(config, dict):
        raise ValidationError({"config": "Must be an object."})
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


@transaction.atomic
def integration_api_key_create(*, actor: Principal, data: dict, rotated_from: IntegrationApiKey | None = None) -> IntegrationApiKey:
    data = dict(data)
    application = _application(actor, data.pop("application_id", None)) if "application_id" in data else data.pop("application", None)
    raw = new_raw_key()
    key = IntegrationApiKey(**data, application=application, key_hash=hash_key(raw), prefix=raw[:8],
                            created_by_user_id=actor.person_id)
    if rotated_from is not None:
        key.rotated_from_key_id = rotated_from.pk
    key = core.record_create_in_transaction(actor=actor, obj=key)
    key.raw_key = raw  # shown once, in this response only
    return key


@transaction.atomic
def integration_api_key_rotate(*, actor: Principal, obj: IntegrationApiKey, grace_seconds: int = 86_400) -> IntegrationApiKey:
    """A new key with the same settings; the old one keeps working for `grace_seconds`."""
    old = core.lock(obj)
    if not old.usable():
        raise core.TransitionConflict("Only an active key can be rotated.", allowed_transitions=[])
    fields = ("name", "kind", "issued_to_user_id", "issued_to_service", "scopes", "allowed_models", "tpm_limit",
              "rpm_limit", "max_budget_usd", "blocked", "blocked_reason", "tags")
    new = integration_api_key_create(actor=actor, data={f: getattr(old, f) for f in fields} | {
        "application": old.application, "expires_at": old.expires_at}, rotated_from=old)
    grace_end = timezone.now() + timedelta(seconds=grace_seconds)
    if old.expires_at is None or old.expires_at > grace_end:
        core.record_update(actor=actor, obj=old, data={"expires_at": grace_end})
    return new


def _store_webhook_secret(webhook: Webhook, secret: str) -> None:
    webhook.vault_path = secret_path(webhook.tenant_id, "webhooks", webhook.pk, "signing")
    webhook.secret_fingerprint = fingerprint(secret)
    secret_store().put(webhook.vault_path, {"secret": secret})


@transaction.atomic
def webhook_create(*, actor: Principal, data: dict) -> Webhook:
    data = dict(data)
    application = _application(actor, data.pop("application_id", None))
    check_webhook_target(data.get("url", ""))
    check_retry_policy(data.get("retry_policy"))
    webhook = Webhook(**data, application=application)
    webhook.tenant_id = actor.tenant_id
    from apps.core.ids import new_id

    webhook.id = new_id(Webhook.id_prefix)
    secret = generate_secret()
    _store_webhook_secret(webhook, secret)
    webhook = core.record_create_in_transaction(actor=actor, obj=webhook)
    webhook.raw_secret = secret
    return webhook


@transaction.atomic
def webhook_update(*, actor: Principal, obj: Webhook, data: dict, if_match: str | None = None) -> Webhook:
    data = dict(data)
    if "url" in data:
        check_webhook_target(data["url"])
    if "retry_policy" in data:
        check_retry_policy(data["retry_policy"])
    if "application_id" in data:
        data["application"] = _application(actor, data.pop("application_id"))
    if data.get("enabled") is True or data.get("paused_at", "unset") is None:
        data.update(paused_at=None, consecutive_failures=0)  # re-enabling resumes a paused webhook
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


@transaction.atomic
def connector_create(*, actor: Principal, data: dict) -> Connector:
    data = dict(data)
    credentials = data.pop("credentials", None)
    application = _application(actor, data.pop("application_id", None))
    check_config(data.get("config") or {})
    from apps.core.ids import new_id

    connector = Connector(**data, application=application, id=new_id(Connector.id_prefix))
    connector.tenant_id = actor.tenant_id
    connector.vault_path = secret_path(actor.tenant_id, "connectors", connector.id, "credentials")
    if credentials:
        secret_store().put(connector.vault_path, credentials)
        connector.credential_last_rotated_at = timezone.now()
    return core.record_create_in_transaction(actor=actor, obj=connector)


@transaction.atomic
def connector_update(*, actor: Principal, obj: Connector, data: dict, if_match: str | None = None) -> Connector:
    data = dict(data)
    credentials = data.pop("credentials", None)
    if "config" in data:
        check_config(data["config"] or {})
    if "application_id" in data:
        data["application"] = _application(actor, data.pop("application_id"))
    if credentials:
        secret_store().put(obj.vault_path, credentials)
        data["credential_last_rotated_at"] = timezone.now()
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


@transaction.atomic
def connector_delete(*, actor: Principal, obj: Connector, if_match: str | None = None) -> None:
    core.record_delete(actor=actor, obj=obj, if_match=if_match)
    transaction.on_commit(lambda: secret_store().delete(obj.vault_path))


@transaction.atomic
def webhook_send_test(*, actor: Principal, webhook: Webhook):
    """A `integration.webhook.test` event delivered to this webhook only."""
    from apps.core.models import Event

    from .models import WebhookDelivery

    event = Event.objects.create(tenant_id=webhook.tenant_id, type="integration.webhook.test", entity_type="integration.Webhook",
                                 entity_id=webhook.pk, actor_id=actor.person_id, payload={"webhook_id": webhook.pk, "test": True},
                                 dispatched_at=timezone.now())
    return WebhookDelivery.objects.create(tenant_id=webhook.tenant_id, webhook=webhook, event=event, event_type=event.type)
