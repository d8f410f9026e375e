"""Who sees which rows of a model: declared on the model as data, turned into a query in one place.

    class Ticket(TenantModel):
        visibility = Visibility(sees_all=("agent",), mine=("created_by", "submitted_by_id", "assigned_to_id"))

- A caller sees only their own tenant's rows; a caller acting for an app only that app's rows.
- `admin` and the `sees_all` roles see every row of the tenant.
- Anyone else sees the rows where one of the `mine` paths holds their person id, and the rows
  `public` matches. A path may follow relations (`approval_request__requested_by_id`); through a
  to-many relation (`steps__approver_id`) it is an EXISTS, so no row is listed twice.
  `Mine(path, when=Q(...))` adds a condition to one path (a member sees public comments only).

`Visibility.scope()` is the only code that turns this into a query; the API, the admin and the
selectors all reach it through `Model.objects.visible_to(principal)`.

Cost: an OR of ownership columns cannot use an index (PostgreSQL walks the table's order and filters
every row of every tenant), so a member's rows are `id IN (branch UNION branch …)`, each branch one
indexed condition led by the tenant (`tenant_id = t AND approver_id = p`; through a to-many relation
the related table's rows, `tenant_id = t AND approver_id = p` on the steps, giving their request ids):
the work is proportional to the member's own rows, not the tenant's (tests/scale).
"""
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet


@dataclass(frozen=True)
class Mine:
    """A path holding a person id; `when`, if given, must also hold for the row to be theirs."""

    path: str
    when: Q | None = None


@dataclass(frozen=True)
class Visibility:
    sees_all: tuple[str, ...] = ()
    mine: tuple[str | Mine, ...] = ("created_by",)
    public: Q | None = None

    def __post_init__(self):
        if isinstance(self.sees_all, str) or isinstance(self.mine, str):
            raise TypeError("Visibility: sees_all and mine are tuples (a lone string is a missing comma)")
        object.__setattr__(self, "mine", tuple(m if isinstance(m, Mine) else Mine(m) for m in self.mine))

    def via(self, relation: str, *, when: Q | None = None) -> tuple[Mine, ...]:
        """This model's `mine` paths as seen from a model pointing at it through `relation`."""
        return tuple(Mine(f"{relation}__{m.path}", _both(m.when and _prefixed(m.when, relation), when))
                     for m in self.mine)

    def sees_every_row(self, principal) -> bool:
        return principal.has_role(*self.sees_all)

    def scope(self, queryset: QuerySet, principal) -> QuerySet:
        qs = queryset.filter(tenant_id=principal.tenant_id)
        if principal.app_id is not None:
            qs = qs.filter(app_id=principal.app_id)
        if self.sees_every_row(principal):
            return qs
        return qs.filter(self.members_q(queryset.model, principal.person_id, tenant_id=principal.tenant_id))

    def members_q(self, model, person_id, *, tenant_id: str | None = None) -> Q:
        """The rows `person_id` may see as a member: one condition as it is, several as
        `pk IN (UNION of one indexed branch each)` (with the tenant, when given, in every branch)."""
        if not self.mine and self.public is None:
            return Q(pk__in=[])  # members see nothing
        if not self.mine:
            return self.public
        if len(self.mine) == 1 and self.public is None:
            mine = self.mine[0]
            if mine.when is not None or _to_many_split(model, mine.path) is None:
                return _holds(model, mine.path, person_id, mine.when)  # one condition on the row itself
            return Q(pk__in=_branch(model, mine, person_id, tenant_id).order_by())
        branches = [_branch(model, m, person_id, tenant_id) for m in self.mine]
        if self.public is not None:
            branches.append(_rows(model, tenant_id).filter(self.public).values("pk"))
        first, *rest = [b.order_by() for b in branches]
        return Q(pk__in=first.union(*rest))

    def check(self, model) -> None:
        """Every path names fields of `model` (called when the model class is created)."""
        for m in self.mine:
            _to_many_split(model, m.path)


def _rows(model, tenant_id: str | None) -> QuerySet:
    """Every row of `model` (deleted ones too: the outer query's manager decides those), of the tenant."""
    rows = model._base_manager.all()
    return rows if tenant_id is None or not _has_tenant(model) else rows.filter(tenant_id=tenant_id)


def _has_tenant(model) -> bool:
    return any(f.name == "tenant_id" for f in model._meta.concrete_fields)


def _branch(model, mine: Mine, person_id, tenant_id: str | None) -> QuerySet:
    """The ids of `model`'s rows `mine` makes `person_id`'s, read from the table that holds the person:
    through a to-many relation first (`steps__approver_id`) the related rows' pointer to the row."""
    split = _to_many_split(model, mine.path)
    if split is not None and split[2] == "pk" and mine.when is None:
        related, back, _outer, rest = split
        inner = related._default_manager.filter(**{rest: person_id, f"{back}__isnull": False})
        if tenant_id is not None and _has_tenant(related):
            inner = inner.filter(tenant_id=tenant_id)
        return inner.values(back)
    if split is not None and mine.when is None:
        related, _pk, outer, rest = split  # behind one foreign key: the rows naming one of the person's groups
        groups = related._default_manager.filter(**{rest: person_id})
        if tenant_id is not None and _has_tenant(related):
            groups = groups.filter(tenant_id=tenant_id)
        return _rows(model, tenant_id).filter(**{f"{outer}__in": groups.values("pk")}).values("pk")
    return _rows(model, tenant_id).filter(_holds(model, mine.path, person_id, mine.when)).values("pk")


def _holds(model, path: str, person_id, when: Q | None) -> Q:
    split = _to_many_split(model, path)
    if split is None:
        return _both(Q(**{path: person_id}), when)
    related, back, outer, rest = split
    inner = related._default_manager.filter(**{back: OuterRef(outer), rest: person_id})
    return _both(Q(Exists(inner)), when)


def _to_many_split(model, path: str):
    """(related model, its lookup matching the outer row, the outer column, the rest of the path)
    when the path crosses a to-many relation: first (`steps__approver_id`: the steps whose request
    is the row), or right behind one foreign key (`approver_group__members__id`: the group the row
    names, holding the member). None when it only follows forward relations."""
    parts = path.split("__")
    current = model
    for i, part in enumerate(parts[:-1]):
        field = current._meta.get_field(part)
        if field.one_to_many or field.many_to_many:
            if i == 0:
                back = field.remote_field.name if field.auto_created else field.related_query_name()
                return field.related_model, back, "pk", "__".join(parts[1:])
            if i == 1:
                return current, "pk", parts[0], "__".join(parts[1:])
            raise ValueError(f"{model.__name__}.visibility: a to-many relation must come first, or right after "
                             f"one foreign key, in {path!r}")
        current = field.related_model
    current._meta.get_field(parts[-1])
    return None


def _both(q: Q | None, when: Q | None) -> Q | None:
    if when is None:
        return q
    return when if q is None else q & when


def _prefixed(q: Q, relation: str) -> Q:
    prefixed = Q(*[(_prefixed(c, relation) if isinstance(c, Q) else (f"{relation}__{c[0]}", c[1])) for c in q.children],
                 _connector=q.connector, _negated=q.negated)
    return prefixed
