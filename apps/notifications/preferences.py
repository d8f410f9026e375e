"""A person's notification choices, read and saved the same way from the e-mailed signed link
(views.preferences) and the portal's page (apps/portal/views/settings.py)."""
from django.db import transaction
from django.utils import timezone

from .models import Preference
from .registry import KINDS


def preference_of(tenant_id: str, person_id: str) -> Preference:
    """The saved choices, or the defaults (every kind, at once) unsaved."""
    return (Preference.objects.filter(tenant_id=tenant_id, person_id=person_id).first()
            or Preference(tenant_id=tenant_id, person_id=person_id))


def preference_rows(pref: Preference, *, staff: bool = True) -> list[dict]:
    """One row per kind: whether it is on; a mandatory kind is always on. Without a staff role, the kinds
    about staff work (queues, SLAs, webhooks, connectors) are not offered: they never reach such a person."""
    off = set(pref.disabled_kinds or [])
    return [{"kind": k, "on": k.mandatory or k.name not in off} for k in KINDS.values() if staff or not k.staff_work]


@transaction.atomic
def preference_save(*, tenant_id: str, person_id: str, enabled: set[str], digest: bool,
                    staff: bool = True) -> Preference:
    """Every kind offered (preference_rows) and not in `enabled` is turned off, except the mandatory ones
    (a forged name is ignored); kinds not offered keep their state."""
    pref = preference_of(tenant_id, person_id)
    offered = {row["kind"].name for row in preference_rows(pref, staff=staff)}
    kept_off = set(pref.disabled_kinds or []) - offered
    pref.disabled_kinds = sorted(kept_off | {k.name for k in KINDS.values()
                                             if k.name in offered and not k.mandatory and k.name not in enabled})
    pref.digest = digest
    pref.updated_at = timezone.now()
    pref.save()
    return pref
