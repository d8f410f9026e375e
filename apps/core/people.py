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


def label_rows(rows: list, fields: tuple[str, ...]) -> None:
    """Give each row `_people` ({person id: label}) for its person fields: one query per tenant shown."""
    by_tenant: dict[str, set] = {}
    for row in rows:
        by_tenant.setdefault(row.tenant_id, set()).update(getattr(row, f) for f in fields)
    labels = {tenant: display_people(tenant, ids) for tenant, ids in by_tenant.items()}
    for row in rows:
        row._people = labels[row.tenant_id]


def person_label(obj, field: str) -> str:
    """The label `label_rows` (or a page) gave the row, else the raw id."""
    value = getattr(obj, field)
    return (getattr(obj, "_people", None) or {}).get(value, value) or "—"


def people_changelist(*fields: str):
    """An admin ChangeList class that labels the person fields of the page's rows in one go."""
    from django.contrib.admin.views.main import ChangeList

    class PeopleChangeList(ChangeList):
        def get_results(self, request):
            super().get_results(request)
            self.result_list = list(self.result_list)
            label_rows(self.result_list, fields)

    return PeopleChangeList
