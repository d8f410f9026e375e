"""Filing an access request against the catalog (apps/integration/catalog_models.py).

A request naming an entitlement takes the seed's fields from it (`system_id` and `asset_id`: the
system's id, `entitlement_type`: the entitlement's name) and its duration rules: no expiry given
gets the default (else the maximum), an expiry beyond the maximum is refused. A tenant whose
directory settings make the catalog strict refuses requests naming no entitlement.
"""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.directory.models import DirectorySettings
from apps.core.principal import Principal
from apps.integration.models import Entitlement

from .choices import AccessType

FILLED = ("system_id", "entitlement_type", "asset_id")
NOT_FOUND = "No such entitlement in your tenant."


def catalog_is_strict(tenant_id: str) -> bool:
    return DirectorySettings.objects.filter(tenant_id=tenant_id, catalog_strict=True).exists()


def pop_entitlement(actor: Principal, data: dict) -> Entitlement | None:
    """`entitlement_id` (API) or `entitlement` (an instance: the admin), as a requestable entitlement
    of the caller's tenant; another tenant's is unknown here (400, as every reference in a body)."""
    value = data.pop("entitlement_id", None) if "entitlement_id" in data else data.get("entitlement")
    data.pop("entitlement", None)
    if value in (None, ""):
        return None
    if isinstance(value, Entitlement):
        value = value.pk if value.tenant_id == actor.tenant_id else None
    entitlement = (Entitlement.objects.filter(tenant_id=actor.tenant_id, pk=value).select_related("system").first()
                   if isinstance(value, str) else None)
    if entitlement is None:
        raise ValidationError({"entitlement_id": NOT_FOUND})
    if not entitlement.is_requestable or not entitlement.system.is_active or entitlement.system.is_deleted:
        raise ValidationError({"entitlement_id": f"{entitlement} is not requestable."})
    return entitlement


def fill_from_entitlement(*, request, entitlement: Entitlement, given: dict, now=None) -> None:
    """The seed's fields from the entitlement (a client's differing value is refused) and its durations."""
    values = {"system_id": entitlement.system_id, "entitlement_type": entitlement.name,
              "asset_id": entitlement.system_id}
    for name, value in values.items():
        if given.get(name) not in (None, "", value):
            raise ValidationError({name: f"Disagrees with entitlement {entitlement.pk} ({value!r}); leave it out."})
        setattr(request, name, value)
    request.entitlement = entitlement
    if request.access_type == AccessType.REVOKE:
        return
    now = now or timezone.now()
    if request.expires_at is None:
        days = entitlement.default_duration_days or entitlement.max_duration_days
        if days:
            request.expires_at = now + timedelta(days=days)
    else:
        check_duration(request=request, expires_at=request.expires_at, now=now)


def check_duration(*, request, expires_at, now=None) -> None:
    """A grant of a catalog entitlement ends within its maximum duration from now (renewals too)."""
    entitlement = request.entitlement if request.entitlement_id else None
    longest = entitlement.max_duration_days if entitlement is not None else None
    now = now or timezone.now()
    if longest and expires_at is not None and expires_at > now + timedelta(days=longest):
        raise ValidationError({"expires_at": f"{entitlement} is granted for at most {longest} days: expires_at must "
                                             f"be on or before {(now + timedelta(days=longest)):%Y-%m-%d %H:%M} UTC."})


def apply_catalog(*, actor: Principal, request, entitlement: Entitlement | None, given: dict) -> None:
    """Before a new `request` (built from `given`, the client's fields) is saved."""
    if entitlement is not None:
        fill_from_entitlement(request=request, entitlement=entitlement, given=given)
    elif catalog_is_strict(actor.tenant_id):
        raise ValidationError({"entitlement_id": "This organisation only takes requests for access in its catalog: "
                                                 "name an entitlement (entitlement_id)."})


def check_catalog_update(*, obj, data: dict) -> dict:
    """A request filed for an entitlement keeps it and the fields it took from it; `data` without the entitlement."""
    data = dict(data)
    for key in ("entitlement_id", "entitlement"):
        if key in data:
            value = data.pop(key)
            value = getattr(value, "pk", value)
            if (value or None) != obj.entitlement_id:
                raise ValidationError({"entitlement_id": "The entitlement of a filed request does not change; "
                                                         "file a new request."})
    if obj.entitlement_id is not None:
        for name in FILLED:
            if name in data and data[name] != getattr(obj, name):
                raise ValidationError({name: f"Taken from entitlement {obj.entitlement_id}; it does not change."})
    return data
