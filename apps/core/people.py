"""Person ids (`per_…`) as people: names from the tenant's directory (Person), else from the staff
membership's user, and who may do what.

Every function takes the whole set of ids a page shows, so a page costs one query, not one per row.
A person the directory holds as inactive (or deleted) keeps their label, marked "(inactive)", and
is no longer offered or accepted as someone who may act (members_with_role, has_role).
"""
from collections.abc import Iterable

from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value

from .directory_link import directory
from .models import StaffMembership
from .person_fields import GROUP_ID_PREFIX

AGENT_ROLES = ("agent", "admin")
DECIDER_ROLES = ("approver", "admin")


def _label(membership: StaffMembership) -> str:
    user = membership.user
    name = user.get_full_name() or user.username
    return f"{name} <{user.email}>" if user.email else name


def _inactive_people():
    """The membership's directory entry, when it may no longer act: deactivated or deleted."""
    return directory().person.all_objects.filter(Q(active=False) | Q(is_deleted=True),
                                                 tenant_id=OuterRef("tenant_id"), pk=OuterRef("person_id"))


def group_label(group) -> str:
    return f"{group.display_name or group.pk} (group)"


def display_people(tenant_id: str, person_ids: Iterable[str | None]) -> dict[str, str]:
    """{person id: "Name <email>"} for the ids the directory or a staff membership knows (the
    directory first); others map to themselves. One query (a UNION of both). A field that names a
    person or a group (an access request's principal) may hold a group id: it reads as the group."""
    wanted = {p for p in person_ids if p}
    if not wanted:
        return {}
    groups = {p for p in wanted if p.startswith(f"{GROUP_ID_PREFIX}_")}
    if groups:
        named = {g.pk: group_label(g) for g in directory().group.all_objects.filter(tenant_id=tenant_id, pk__in=groups)}
        return {**display_people(tenant_id, wanted - groups), **{g: named.get(g, g) for g in groups}}
    text = CharField()
    people = directory().person.all_objects.filter(tenant_id=tenant_id, pk__in=wanted).order_by().annotate(
        kind=Value("p", output_field=text)).values_list("pk", "kind", "display_name", "given_name", "family_name",
                                                        "user_name", "email", "active", "is_deleted")
    # The same nine columns: the first name stands in for display_name, the flags are unused.
    members = StaffMembership.objects.filter(tenant_id=tenant_id, person_id__in=wanted).order_by().annotate(
        kind=Value("m", output_field=text)).values_list("person_id", "kind", "user__first_name", "user__first_name",
                                                        "user__last_name", "user__username", "user__email",
                                                        "user__is_active", "user__is_staff")
    labels: dict[str, str] = {}
    for pid, kind, display, given, family, login, email, active, deleted in people.union(members, all=True):
        if kind == "p":
            labels[pid] = directory().person(display_name=display, given_name=given, family_name=family,
                                             user_name=login, email=email, active=active, is_deleted=deleted).label
        else:  # a directory entry wins, whichever row comes first
            name = " ".join(n for n in (given, family) if n).strip() or login
            labels.setdefault(pid, f"{name} <{email}>" if email else name)
    return {p: labels.get(p, p) for p in wanted}


def display_person(tenant_id: str, person_id: str | None) -> str:
    return display_people(tenant_id, [person_id]).get(person_id, "") if person_id else ""


def directory_knows_people(tenant_id: str) -> bool:
    """Whether the tenant keeps a directory (SCIM or the admin): then only its active people may act."""
    return directory().person.all_objects.filter(tenant_id=tenant_id).exists()


def _unlisted_people():
    return ~Exists(directory().person.objects.filter(tenant_id=OuterRef("tenant_id"), pk=OuterRef("person_id"),
                                                     active=True))


def members_with_role(tenant_id: str, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    """(person id, label) of the tenant's active staff holding one of `roles`, by label; when the
    tenant keeps a directory, only those it holds as active people (as may_act accepts)."""
    memberships = StaffMembership.objects.filter(tenant_id=tenant_id, user__is_active=True)
    if directory_knows_people(tenant_id):
        memberships = memberships.exclude(_unlisted_people())
    memberships = (memberships.exclude(Exists(_inactive_people())).select_related("user")
                   .annotate(person_label=Subquery(directory().person.objects.filter(
                       tenant_id=OuterRef("tenant_id"), pk=OuterRef("person_id")).values("display_name")[:1]),
                             person_email=Subquery(directory().person.objects.filter(
                       tenant_id=OuterRef("tenant_id"), pk=OuterRef("person_id")).values("email")[:1])))
    found = [(m.person_id, _directory_label(m)) for m in memberships if set(m.roles or ()) & set(roles)]
    return sorted(found, key=lambda pair: pair[1].lower())


def _directory_label(membership) -> str:
    name, email = membership.person_label, membership.person_email
    if not name:
        return _label(membership)
    return f"{name} <{email}>" if email else name


def has_role(tenant_id: str, person_id: str, roles: tuple[str, ...]) -> bool:
    """Whether `person_id` is an active staff member of the tenant holding one of `roles`."""
    membership = (StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id, user__is_active=True)
                  .exclude(Exists(_inactive_people())).only("roles").first())
    return membership is not None and bool(set(membership.roles or ()) & set(roles))


def may_act(tenant_id: str, person_id: str, roles: tuple[str, ...], *, what: str) -> str | None:
    """Why `person_id` may not be handed work needing `roles` (a delegate, an assignee); None when
    they may: an active staff member with the role, who is an active person of the tenant's
    directory when the tenant keeps one (a staff login the directory does not list is refused then)."""
    if not has_role(tenant_id, person_id, roles):
        return f"{person_id!r} is not {what} of this tenant (an active staff member with the role)."
    if directory_knows_people(tenant_id) and not directory().person.objects.filter(
            tenant_id=tenant_id, pk=person_id, active=True).exists():
        return f"{person_id!r} is not an active person of this tenant's directory."
    return None


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


def people_inline_formset(*fields: str):
    """An inline's formset class that labels the person fields of all its rows in one go (the
    inline's readonly columns then read them with person_label)."""
    from django.forms.models import BaseInlineFormSet

    class PeopleInlineFormSet(BaseInlineFormSet):
        def get_queryset(self):
            if not hasattr(self, "_labelled"):
                rows = super().get_queryset()
                label_rows(list(rows), fields)  # fills the queryset's cache: the forms get these rows
                self._labelled = True
            return super().get_queryset()

    return PeopleInlineFormSet
