"""Person ids (`per_…`) as people: names from the tenant's staff memberships, and who may do what.

Every function takes the whole set of ids a page shows, so a page costs one query, not one per row.
"""
from collections.abc import Iterable

from .models import StaffMembership

AGENT_ROLES = ("agent", "admin")
DECIDER_ROLES = ("approver", "admin")


def _label(membership: StaffMembership) -> str:
    user = membership.user
    name = user.get_full_name() or user.username
    return f"{name} <{user.email}>" if user.email else name


def display_people(tenant_id: str, person_ids: Iterable[str | None]) -> dict[str, str]:
    """{person id: "Name <email>"} for the ids a staff membership knows; others map to themselves."""
    wanted = {p for p in person_ids if p}
    if not wanted:
        return {}
    known = StaffMembership.objects.filter(tenant_id=tenant_id, person_id__in=wanted).select_related("user")
    labels = {m.person_id: _label(m) for m in known}
    return {p: labels.get(p, p) for p in wanted}


def display_person(tenant_id: str, person_id: str | None) -> str:
    return display_people(tenant_id, [person_id]).get(person_id, "") if person_id else ""


def members_with_role(tenant_id: str, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    """(person id, label) of the tenant's active staff holding one of `roles`, by label."""
    memberships = StaffMembership.objects.filter(tenant_id=tenant_id, user__is_active=True).select_related("user")
    found = [(m.person_id, _label(m)) for m in memberships if set(m.roles or ()) & set(roles)]
    return sorted(found, key=lambda pair: pair[1].lower())


def has_role(tenant_id: str, person_id: str, roles: tuple[str, ...]) -> bool:
    """Whether `person_id` is an active staff member of the tenant holding one of `roles`."""
    membership = StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id,
                                                user__is_active=True).only("roles").first()
    return membership is not None and bool(set(membership.roles or ()) & set(roles))
