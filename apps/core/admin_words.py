"""People as words in the admin: list columns, read-only fields and search name people, not `per_…` ids.

Every person field the directory declares (`directory_fields` on each model) shows as
"Name <email>"; a list page labels all its rows in one query (apps.core.people.label_rows) and a
change page looks its record's people up once. Searching a list for "Mustermann" finds the rows
naming a person called so. Ids stay in the API and in the record's collapsed "Record" section.
"""
from django.db.models import Exists, OuterRef, Q
from django.utils.text import capfirst

from .directory_link import directory
from .models import StaffMembership
from .person_fields import PERSON, ChosenBy, directory_fields
from .people import display_people, people_changelist


def person_fields(model) -> tuple[str, ...]:
    """Fields naming one person, or a person or a group (both read as names: apps.core.people)."""
    return tuple(name for name, kind in directory_fields(model).items() if kind == PERSON or isinstance(kind, ChosenBy))


def column_name(field: str) -> str:
    return f"{field}_person"


def label_of(obj, field: str) -> str:
    """The person's label the page gave the row, else looked up once for the record."""
    value = getattr(obj, field, None)
    if not value:
        return "—"
    known = getattr(obj, "_people", None)
    if known is None or value not in known:
        wanted = [getattr(obj, f, None) for f in person_fields(type(obj))]
        known = {**(known or {}), **display_people(obj.tenant_id, wanted)}
        obj._people = known
    return known.get(value, value)


def person_column(model, field: str):
    """A list column / read-only field showing `field` as the person it names."""

    def show(obj):
        return label_of(obj, field)

    verbose = str(model._meta.get_field(field).verbose_name)
    show.short_description = capfirst(verbose[:-3] if verbose.endswith(" id") else verbose)
    show.admin_order_field = field
    show.__name__ = column_name(field)
    return show


def words_changelist(model):
    return people_changelist(*person_fields(model))


def swap_people(names, model, readonly: set[str] | None = None) -> list:
    """`names` with each person field (each read-only one, when `readonly` is given) as its column."""
    fields = set(person_fields(model))
    return [column_name(n) if isinstance(n, str) and n in fields and (readonly is None or n in readonly) else n
            for n in names]


def people_matching(term: str, tenant_id: str | None):
    """Ids of the people of the tenant a search term names: the directory's and the staff logins'."""
    people = directory().person.all_objects.filter(Q(display_name__icontains=term) | Q(given_name__icontains=term)
                                       | Q(family_name__icontains=term) | Q(email__icontains=term)
                                       | Q(user_name__icontains=term))
    members = StaffMembership.objects.filter(Q(user__first_name__icontains=term) | Q(user__last_name__icontains=term)
                                             | Q(user__email__icontains=term) | Q(user__username__icontains=term))
    if tenant_id:
        people, members = people.filter(tenant_id=tenant_id), members.filter(tenant_id=tenant_id)
    return people.values("pk"), members.values("person_id")


def search_people(queryset, model, term: str, tenant_id: str | None):
    """The rows of `queryset` whose person fields name someone the term matches, or None."""
    fields = person_fields(model)
    term = term.strip()
    if not fields or not term:
        return None
    people, members = people_matching(term, tenant_id)
    listed = [_listed(people, "pk"), _listed(members, "person_id")]
    named_ids = None if None in listed else listed[0] + listed[1]
    if named_ids is None:  # the term names a crowd: each row's person looked up by id
        named = Q()
        for field in fields:
            named |= Exists(people.filter(pk=OuterRef(field))) | Exists(members.filter(person_id=OuterRef(field)))
        return queryset.filter(named)
    if not named_ids:
        return None
    named = Q()
    for field in fields:
        named |= Q(**{f"{field}__in": sorted(set(named_ids))})
    return queryset.filter(named)


PEOPLE_LISTED = 200


def _listed(rows, column: str) -> list | None:
    """The matching people's ids as values, when they are few: `col IN ('a', 'b')` is an indexed
    condition PostgreSQL ORs with the trigram indexes (a BitmapOr). None when more than PEOPLE_LISTED
    match: a crowd is compared row by row, `EXISTS (… WHERE person.id = row.col)`, a probe of the
    person's primary key for each row the page reads. `col IN (SELECT …)` would read every matching
    person of the tenant first (a hash of them, or a scan of them for each row when they are too many
    to hash) however few rows the page shows."""
    ids = list(rows.order_by().values_list(column, flat=True)[:PEOPLE_LISTED + 1])  # no order: no walk of an index by name
    return None if len(ids) > PEOPLE_LISTED else ids


def label_history(records, model) -> None:
    """A history page's rows by name: who changed it (`changed_by`), the record's title (`title`) and
    the person fields among the changes, from one lookup for the page."""
    records = list(records)
    if not records:
        return
    fields = set(person_fields(model))
    by_label = {capfirst(str(model._meta.get_field(f).verbose_name)): f for f in fields}
    wanted = set()
    for record in records:
        wanted.add(record.history_user_id)
        wanted.update(getattr(record, f, None) for f in fields)
        for change in getattr(record, "history_delta_changes", None) or ():
            if change["field"] in by_label:
                wanted.update((change["old"], change["new"]))
    # One record's history is one tenant's (a history row keeps the record's tenant).
    labels = display_people(records[0].tenant_id, {str(p) for p in wanted if p})
    for record in records:
        record.changed_by = labels.get(record.history_user_id, record.history_user_id) or ""
        instance = record.instance
        instance._people = labels
        record.title = str(instance)
        for change in getattr(record, "history_delta_changes", None) or ():
            if change["field"] in by_label:
                change["field"] = change["field"].removesuffix(" id")
                change["old"], change["new"] = (labels.get(v, v) for v in (change["old"], change["new"]))
