"""Reading the django-fsm transitions declared on a model, by their public (URL) name."""
from dataclasses import dataclass
from functools import cache

import django_fsm
from django_fsm import FSMFieldMixin


@dataclass(frozen=True)
class TransitionInfo:
    name: str  # public name: URL segment, service suffix, event action
    method: str  # model method name (differs only when the name is a Python keyword)
    sources: frozenset
    target: str | None
    custom: dict
    conditions: tuple

    @property
    def roles(self) -> tuple[str, ...] | None:
        return self.custom.get("roles")

    @property
    def event(self) -> str:
        """The verb of the event it emits: `<app>.<entity>.<event>`."""
        return self.custom["event"]

    @property
    def exposed(self) -> bool:
        return self.custom.get("api", True)

    def allowed_from(self, state) -> bool:
        return state in self.sources or "*" in self.sources or "+" in self.sources and state != self.target


@dataclass(frozen=True)
class Decisions:
    """Declared on a model as `decisions = Decisions(...)`: the transitions that decide a record. An
    approval request bound to the record runs them with its outcome, and while such a request is open
    they run only through it."""

    approve: str
    reject: str | None = None

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.approve, self.reject) if n)


def transition(*, event: str, custom: dict | None = None, **kwargs):
    """django-fsm's `@transition`, declaring beside it the event it emits (`event="approved"`)."""
    if not event or not event.isidentifier():
        raise ValueError(f"transition event must be a verb like 'approved', not {event!r}")
    return django_fsm.transition(custom={**(custom or {}), "event": event}, **kwargs)


def state_field(model) -> FSMFieldMixin | None:
    for field in model._meta.concrete_fields:
        if isinstance(field, FSMFieldMixin):
            return field
    return None


@cache
def transitions_of(model) -> dict[str, TransitionInfo]:
    field = state_field(model)
    if field is None:
        return {}
    grouped: dict[str, dict] = {}
    for t in field.get_all_transitions(model):
        name = (t.custom or {}).get("action", t.name)
        entry = grouped.setdefault(
            name,
            {"method": t.name, "sources": set(), "target": t.target, "custom": t.custom or {}, "conditions": tuple(t.conditions)},
        )
        entry["sources"].add(t.source)
    return {
        name: TransitionInfo(name=name, method=e["method"], sources=frozenset(e["sources"]), target=e["target"],
                             custom=e["custom"], conditions=e["conditions"])
        for name, e in grouped.items()
    }


def available_transitions(obj) -> list[str]:
    field = state_field(type(obj))
    state = field.value_from_object(obj)
    return [
        t.name
        for t in transitions_of(type(obj)).values()
        if t.allowed_from(state) and all(cond(obj) for cond in t.conditions)
    ]


class ConcurrentTransitionMixin(django_fsm.ConcurrentTransitionMixin):
    """django-fsm's mixin scans every model field on every instantiation to find the state fields
    (a fifth of a 50-row list page); look them up once per class instead."""

    @property
    def state_fields(self) -> tuple:
        cls = type(self)
        fields = cls.__dict__.get("_state_fields")
        if fields is None:
            fields = tuple(f for f in cls._meta.fields if isinstance(f, FSMFieldMixin))
            cls._state_fields = fields
        return fields
