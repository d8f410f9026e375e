"""The tenant's Slack settings: the webhook URL goes to the secret store, the row keeps its path."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import services as core
from apps.core.ids import new_id
from apps.core.principal import Principal
from apps.integration.outbound import check_target_url
from apps.integration.secret_store import secret_path, secret_store

from .models import SlackSettings
from .registry import KINDS


def _check(data: dict) -> tuple[dict, str | None]:
    data = dict(data)
    url = (data.pop("webhook_url", None) or "").strip() or None
    kinds = data.get("kinds")
    if kinds is not None and (not isinstance(kinds, list) or not set(kinds) <= set(KINDS)):
        raise ValidationError({"kinds": [f"Choose among: {', '.join(KINDS)}."]})
    if url is not None:
        try:
            check_target_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
        except ValueError as exc:
            raise ValidationError({"webhook_url": [str(exc)]}) from exc
        if len(url) > 2000:
            raise ValidationError({"webhook_url": ["At most 2000 characters."]})
    return data, url


def _store(obj: SlackSettings, url: str) -> None:
    secret_store().put(obj.secret_path, {"url": url})


@transaction.atomic
def slack_settings_create(*, actor: Principal, data: dict) -> SlackSettings:
    """`data["webhook_url"]` (write-only) is stored in the secret store; without one, nothing is posted."""
    data, url = _check(data)
    if SlackSettings.objects.filter(tenant_id=actor.tenant_id).exists():
        raise ValidationError("This tenant has Slack settings already; change them instead.")
    obj = SlackSettings(**data, id=new_id(SlackSettings.id_prefix))  # the path names the row's id
    if url:
        obj.secret_path = secret_path(actor.tenant_id, "slack", obj.id, "webhook")
    obj = core.record_create(actor=actor, obj=obj)
    if url:
        _store(obj, url)
    return obj


@transaction.atomic
def slack_settings_update(*, actor: Principal, obj: SlackSettings, data: dict, if_match: str | None = None) -> SlackSettings:
    """A new `webhook_url` replaces the stored one; leaving it out keeps it."""
    data, url = _check(data)
    if url:
        data["secret_path"] = secret_path(obj.tenant_id, "slack", obj.pk, "webhook")
    obj = core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)
    if url:
        _store(obj, url)
    return obj


@transaction.atomic
def slack_settings_delete(*, actor: Principal, obj: SlackSettings, if_match: str | None = None) -> None:
    path = obj.secret_path
    core.record_delete(actor=actor, obj=obj, if_match=if_match)
    if path:
        transaction.on_commit(lambda: secret_store().delete(path))
