"""Field policy by state, declared on the model: which fields may change in which status, and by whom.

A model sets `field_policy = FieldPolicy(editable(...), deletable(...), ...)`. Updates and deletes
through `apps.core.services` (so the API, the admin and commands) check it; transitions are not
field writes and keep their own rules. Fields the client can never write (`editable=False`) are
the workflow's and are not governed here. A model without a policy keeps `write_roles` only.
"""
from collections.abc import Callable
from dataclasses import dataclass

from .exceptions import Conflict, Forbidden

ANY_STATE = "*"
# Parties a rule may name besides role names.
REQUESTER = "requester"  # the record's requester or its creator
STAFF = "staff"  # an admin or one of the roles in the model's `visibility.sees_all`
ADMIN = "admin"


@dataclass(frozen=True)
class PersonIn:
    """The person a field of the record names (e.g. a queue item's assignee)."""

    field: str


@dataclass(frozen=True)
class Editable:
    states: frozenset[str]
    by: frozenset
    fields: frozenset[str]
    when: Callable | None = None


@dataclass(frozen=True)
class Deletable:
    states: frozenset[str]
    by: frozenset
    when: Callable | None = None


def editable(*states: str, by: tuple, fields: tuple[str, ...], when: Callable | None = None) -> Editable:
    """`fields` may change while the record is in one of `states` (ANY_STATE: any), by any of `by`;
    `when(obj)` narrows the rule to some records (e.g. queue items the approvals engine does not own)."""
    return Editable(frozenset(states), frozenset(by), frozenset(fields), when)


def deletable(*states: str, by: tuple, when: Callable | None = None) -> Deletable:
    return Deletable(frozenset(states), frozenset(by), when)


def is_party(actor, party, obj) -> bool:
    if isinstance(party, PersonIn):
        return bool(actor.person_id) and getattr(obj, party.field) == actor.person_id
    if party == REQUESTER:
        return actor.person_id in {obj.requester_person_id, obj.created_by} - {None, ""}
    if party == STAFF:
        return type(obj).visibility.sees_every_row(actor)
    if party == ADMIN:
        return "admin" in actor.roles
    return actor.has_role(party)


class FieldPolicy:
    def __init__(self, *rules: Editable | Deletable):
        self.edits = tuple(r for r in rules if isinstance(r, Editable))
        self.deletes = tuple(r for r in rules if isinstance(r, Deletable))

    @staticmethod
    def _state(obj) -> str:
        from .fsm import state_field

        field = state_field(type(obj))
        return str(field.value_from_object(obj)) if field else ANY_STATE

    @staticmethod
    def _applies(rule, obj, state: str) -> bool:
        return (ANY_STATE in rule.states or state in rule.states) and (rule.when is None or rule.when(obj))

    def writable(self, obj, actor) -> set[str]:
        state = self._state(obj)
        out: set[str] = set()
        for rule in self.edits:
            if self._applies(rule, obj, state) and any(is_party(actor, p, obj) for p in rule.by):
                out |= rule.fields
        return out

    def check_update(self, obj, actor, changed) -> None:
        governed = {f.name for f in type(obj)._meta.concrete_fields if f.editable}
        refused = sorted(set(changed) & governed - self.writable(obj, actor))
        if not refused:
            return
        state = self._state(obj)
        open_to_others = set().union(*(r.fields for r in self.edits if self._applies(r, obj, state)))
        errors = [{"field": name, "message": "not yours to change" if name in open_to_others else f"frozen while {state}"}
                  for name in refused]
        if set(refused) & open_to_others:
            raise Forbidden(f"You may not change {', '.join(refused)} of this record while it is {state}.", errors=errors)
        raise Conflict(f"{', '.join(refused)} cannot change while the record is {state}.", errors=errors)

    def may_delete(self, obj, actor) -> bool:
        state = self._state(obj)
        return any(self._applies(r, obj, state) and any(is_party(actor, p, obj) for p in r.by) for r in self.deletes)

    def check_delete(self, obj, actor) -> None:
        if not self.may_delete(obj, actor):
            raise Conflict(f"This record cannot be deleted by you while it is {self._state(obj)}.")
