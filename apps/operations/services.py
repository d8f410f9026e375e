"""Operations services: filing an access request, expiring grants. The transitions are the named
actions in apps/operations/actions.py."""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.batches import keyset_batches
from apps.core.models import Event
from apps.core.principal import Principal, system_principal

from .catalog_filing import apply_catalog, check_catalog_update, pop_entitlement
from .choices import AccessStatus, AccessType
from .models import AccessRequest, held_by


@transaction.atomic
def access_request_create(*, actor: Principal, data: dict) -> AccessRequest:
    data = dict(data)
    entitlement = pop_entitlement(actor, data)
    request = AccessRequest(**data)
    apply_catalog(actor=actor, request=request, entitlement=entitlement, given=data)
    if request.access_type == AccessType.REVOKE:
        grant_exists = AccessRequest.objects.filter(
            held_by(request.principal_id or ""), tenant_id=actor.tenant_id, status=AccessStatus.PROVISIONED,
            system_id=request.system_id, entitlement_type=request.entitlement_type,
        ).exclude(access_type=AccessType.REVOKE).exists()
        if request.principal_id and request.entitlement_type and not grant_exists:
            raise ValidationError({"entitlement_type": "No provisioned grant of this entitlement on this system for this principal."})
    if request.expires_at and request.expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Must be in the future."})
    return core.record_create(actor=actor, obj=request)


@transaction.atomic
def access_request_update(*, actor: Principal, obj: AccessRequest, data: dict, if_match: str | None = None) -> AccessRequest:
    data = check_catalog_update(obj=obj, data=data)
    return core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)


EXPIRE_BATCH = 200


def expire_access(*, now=None, on_progress=None, batch_size: int = EXPIRE_BATCH) -> int:
    """Complete every provisioned grant whose `expires_at` has passed; returns how many. Catalog grants
    are removed by their connector instead (provisioning.access_revoke_expired).

    Bounded by the due work: the due grants are read in keyset order on the (status, expires_at) index,
    `batch_size` at a time, each batch one transaction (a savepoint per grant, so a grant renewed or
    completed meanwhile is skipped and the rest of its batch still commits); nothing is kept between batches."""
    from .actions import access_request_expire  # the actions build on this module's create

    now = now or timezone.now()
    due = AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__lte=now, entitlement__isnull=True)
    expired = 0
    for batch in keyset_batches(due, key="expires_at", size=batch_size):
        with transaction.atomic():
            for grant in batch:
                try:
                    with transaction.atomic():  # its savepoint: a conflict undoes this grant only
                        access_request_expire(actor=system_principal(grant.tenant_id), access_request=grant)
                    expired += 1
                except core.TransitionConflict:
                    pass  # renewed or completed meanwhile
                if on_progress:
                    on_progress()
    return expired


EXPIRING = "operations.access_request.expiring"


def access_request_warn_expiring(*, within_days: int, now=None) -> list[AccessRequest]:
    """Emit `operations.access_request.expiring` for every provisioned grant ending within
    `within_days`, once per expiry date: a renewed grant is warned again before its new date."""
    now = now or timezone.now()
    due = list(AccessRequest.objects.filter(status=AccessStatus.PROVISIONED, expires_at__gt=now,
                                            expires_at__lte=now + timedelta(days=within_days)))
    warned = _warned_expiries([grant.pk for grant in due])
    return [grant for grant in due if (grant.pk, events.json_ready(grant.expires_at)) not in warned
            and _warn_expiring(grant=grant, now=now)]


def _warned_expiries(grant_ids: list[str]) -> set[tuple[str, str]]:
    rows = Event.objects.filter(type=EXPIRING, entity_id__in=grant_ids).values_list("entity_id", "payload")
    return {(entity_id, payload.get("expires_at")) for entity_id, payload in rows if isinstance(payload, dict)}


@transaction.atomic
def _warn_expiring(*, grant: AccessRequest, now) -> bool:
    grant = AccessRequest.objects.select_for_update().get(pk=grant.pk)
    expires_at = events.json_ready(grant.expires_at)
    if grant.status != AccessStatus.PROVISIONED or grant.expires_at is None or grant.expires_at <= now \
            or (grant.pk, expires_at) in _warned_expiries([grant.pk]):
        return False  # expired, renewed or warned by another run meanwhile
    days_left = max(1, -(-int((grant.expires_at - now).total_seconds()) // 86_400))
    events.emit(obj=grant, action="expiring", actor=system_principal(grant.tenant_id),
                payload={**events.record_payload(grant), "days_left": days_left})
    return True
