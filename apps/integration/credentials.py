"""Connector credentials over time: a reminder when a credential falls due for rotation, and the
OAuth-style flag saying a token must be refreshed. The secrets themselves stay in the secret store (by the
connector's `vault_path`); nothing here reads them."""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core import events
from apps.core.models import Event
from apps.core.principal import system_principal

from .models import Connector

ROTATION_DUE = "integration.connector.credential_rotation_due"


def next_rotation(rotated_at: datetime) -> datetime:
    return rotated_at + timedelta(days=settings.CONNECTOR_ROTATION_DAYS)


def _remind(connector_id: str, now: datetime) -> bool:
    with transaction.atomic():
        connector = Connector.objects.select_for_update().get(pk=connector_id)
        due = connector.next_rotation_due
        if due is None:
            return False
        stamp = due.isoformat()
        already = Event.objects.filter(tenant_id=connector.tenant_id, type=ROTATION_DUE, entity_id=connector.pk,
                                       payload__next_rotation_due=stamp).exists()
        if already:  # once per due date: a rotation moves the date and the next reminder comes in time
            return False
        rotated = connector.credential_last_rotated_at
        events.emit(obj=connector, action="credential_rotation_due", actor=system_principal(connector.tenant_id),
                    payload={"connector_id": connector.pk, "name": connector.name, "owner_id": connector.owner_id,
                             "next_rotation_due": stamp, "credential_last_rotated_at": rotated.isoformat() if rotated else None,
                             "overdue": due <= now})
        return True


def connector_credentials_sweep(*, now: datetime | None = None) -> dict:
    """Remind of credentials due within CONNECTOR_ROTATION_WARNING_DAYS (once per due date); set
    `oauth_refresh_needed` where the token expires within CONNECTOR_OAUTH_REFRESH_MARGIN_MINUTES (and clear it
    where a refreshed token is recorded)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.CONNECTOR_ROTATION_WARNING_DAYS)
    due = Connector.objects.filter(enabled=True, next_rotation_due__isnull=False, next_rotation_due__lte=horizon)
    reminded = sum(_remind(pk, now) for pk in due.values_list("pk", flat=True).iterator())
    margin = now + timedelta(minutes=settings.CONNECTOR_OAUTH_REFRESH_MARGIN_MINUTES)
    flagged = Connector.objects.filter(oauth_token_expires_at__lte=margin, oauth_refresh_needed=False).update(
        oauth_refresh_needed=True)
    cleared = Connector.objects.filter(oauth_token_expires_at__gt=margin, oauth_refresh_needed=True).update(
        oauth_refresh_needed=False)
    return {"reminded": reminded, "oauth_refresh_needed": flagged, "oauth_refreshed": cleared}
