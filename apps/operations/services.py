"""Operations actions beyond the generic ones in apps.core.services."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.principal import Principal, system_principal

from .choices import AccessStatus, AccessType
from .models import AccessRequest


@core.serves(AccessRequest, "create")
@transaction.atomic
def access_request_create(*, actor: Principal, data: dict) -> AccessRequest:
    request = AccessRequest(**data)
    if request.access_type == AccessType.REVOKE:
        grant_exists = AccessRequest.objects.filter(
            tenant_id=actor.tenant_id, status=AccessStatus.PROVISIONED, system_id=request.system_id,
            principal_id=request.principal_id, entitlement_type=request.entitlement_type,
        ).exclude(access_type=AccessType.REVOKE).exists()
        if request.principal_id and request.entitlement_type and not grant_exists:
            raise ValidationError({"entitlement_type": "No provisioned grant of this entitlement on this system for this principal."})
    if request.expires_at and request.expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Must be in the future."})
    return core.record_create(actor=actor, obj=request)


def expire_access(*, now=None, on_progress=None) -> list[AccessRequest]:
    """Complete every provisioned grant whose `expires_at` has passed (one transaction each)."""
    now = now or timezone.now()
    expired = []
    due = AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__lte=now).order_by("expires_at")
    for grant in due.iterator(chunk_size=500):
        try:
            expired.append(core.record_transition(actor=system_principal(grant.tenant_id), obj=grant, name="expire"))
        except core.TransitionConflict:
            pass  # renewed or completed meanwhile
        if on_progress:
            on_progress()
    return expired
