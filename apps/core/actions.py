"""Named actions: one function per write, declared in one map per model.

A domain writes each state change as a function `<entity>_<action>(*, actor, <record>, ..., if_match=None)`
(apps/<domain>/actions.py) and lists them in the model's map:

    ticket_hold = transition_action(Ticket, "hold")            # a trivial transition: one line

    @action(Ticket, "resolve")                                 # one with rules of its own
    def ticket_resolve(*, actor, ticket, comment="", if_match=None) -> Ticket: ...

    TICKET_ACTIONS = Actions(Ticket, create=ticket_create, update=ticket_update,
                             transitions=(ticket_open, ticket_hold, ticket_resolve, ...))

Viewsets and admins name the map (`record_actions = TICKET_ACTIONS`) and call the functions it holds; a
request body reaches a function only as the validated data of the action's serializer (`body`), whose
fields are the function's keyword arguments. tests/core/test_named_actions.py fails for a transition
no map names.
"""
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from . import services
from .exceptions import Forbidden, TransitionConflict
from .fsm import TransitionInfo, state_field, transitions_of
from .principal import Principal
from .text import snake_case


def record_name(model) -> str:
    """The keyword a model's actions take their record by: `ticket`, `access_request`."""
    return snake_case(model.__name__)


def action(model, name: str, *, body=None):
    """Marks `function` as the action for transition `name` of `model` (no registry: the model's
    `Actions` map lists it). `body` is the serializer of its request body (default: the comment, required
    for a transition that keeps a reason)."""
    info = transitions_of(model).get(name)
    if info is None:
        raise ImproperlyConfigured(f"{model.__name__} has no transition {name!r} (one of {sorted(transitions_of(model))}).")

    def mark(function: Callable) -> Callable:
        function.model, function.transition, function.body = model, name, body
        return function

    return mark


def _optional(annotation) -> bool:
    return annotation is None or type(None) in getattr(annotation, "__args__", ())


def transition_action(model, name: str, *, body=None, params: dict[str, object] | None = None,
                      with_actor: bool = False, engine: bool = False) -> Callable:
    """The action of a transition that takes a comment (the reason, if it keeps one) and, given `params`
    ({keyword: annotation}; an annotation admitting None makes it optional: not given, the method's default
    applies), those keywords,
    passed on to the model's transition method (with the actor as `actor` when `with_actor`):
    `<entity>_<name>(*, actor, <record>, <params…>, comment="", if_match=None)`.
    `engine=True`: an engine's own step recording what another system confirmed (a connector's outcome),
    run without the transition's permission check unless the caller asks for it."""
    record = record_name(model)
    params = dict(params or {})
    required = {key for key, annotation in params.items() if not _optional(annotation)}

    def run(*, actor: Principal, comment: str = "", if_match: str | None = None, check_permission: bool = not engine,
            **given):
        # check_permission=False: an engine's own step (apps.approvals), never from a request body.
        values = {key: given.pop(key) for key in list(given) if key in params}
        if set(given) != {record} or required - set(values):
            wanted = ", ".join([f"{record}=", *(f"{key}=" for key in params)])
            raise TypeError(f"{record}_{name}() takes {wanted} (required: {sorted(required) or 'the record'}), "
                            f"not {sorted([*given, *values])}")
        passed = dict(values)  # an optional keyword not given: the transition method's own default
        if with_actor:
            passed["actor"] = actor
        return services.record_transition(actor=actor, obj=given[record], name=name, comment=comment,
                                          params=passed or None, if_match=if_match, check_permission=check_permission)

    keyword = inspect.Parameter.KEYWORD_ONLY
    empty = inspect.Parameter.empty
    run.__signature__ = inspect.Signature([  # what help(), the docs and tests/core/test_named_actions.py read
        inspect.Parameter("actor", keyword, annotation=Principal),
        inspect.Parameter(record, keyword, annotation=model),
        *(inspect.Parameter(key, keyword, annotation=annotation, default=None if _optional(annotation) else empty)
          for key, annotation in params.items()),
        inspect.Parameter("comment", keyword, default="", annotation=str),
        inspect.Parameter("if_match", keyword, default=None, annotation=str | None),
        inspect.Parameter("check_permission", keyword, default=not engine, annotation=bool),
    ], return_annotation=model)
    run.__name__ = run.__qualname__ = f"{record}_{name}"
    run.__module__ = model.__module__.replace(".models", ".actions")
    run.__doc__ = f"{model.__name__}: the `{name}` transition" + (
        f" ({', '.join(params)}{', the actor' if with_actor else ''})." if params or with_actor else " (comment only).")
    return action(model, name, body=body)(run)


def generic_create(model) -> Callable:
    def create(*, actor: Principal, data: dict):
        return services.record_create(actor=actor, obj=model(**data))

    create.__name__ = f"{record_name(model)}_create"
    create.generic = True
    return create


@dataclass(frozen=True)
class Actions:
    """The writes of one model: `create(actor, data)`, `update(actor, obj, data, if_match)`,
    `delete(actor, obj, if_match)` (the generic record services unless given) and one named action
    per transition."""

    model: type
    create: Callable | None = None
    update: Callable = services.record_update
    delete: Callable = services.record_delete
    transitions: tuple[Callable, ...] = ()
    by_name: dict[str, Callable] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.create is None:
            object.__setattr__(self, "create", generic_create(self.model))
        by_name = {}
        for function in self.transitions:
            if getattr(function, "model", None) is not self.model:
                raise ImproperlyConfigured(f"{getattr(function, '__qualname__', function)} is not an action of "
                                           f"{self.model.__name__} (mark it with @action({self.model.__name__}, name)).")
            if function.transition in by_name:
                raise ImproperlyConfigured(f"{self.model.__name__}.{function.transition} is listed twice.")
            by_name[function.transition] = function
        object.__setattr__(self, "by_name", by_name)

    def info(self, name: str) -> TransitionInfo:
        return transitions_of(self.model)[name]

    def body(self, name: str):
        """The serializer validating the request body of transition `name`."""
        from .api.serializers import ReasonBody, TransitionBody

        declared = self.by_name[name].body
        return declared or (ReasonBody if self.info(name).custom.get("reason") else TransitionBody)

    @transaction.atomic
    def save(self, *, actor: Principal, obj, data: dict, if_match: str | None = None):
        """The update action; a changed `status` (a PATCH of it) then runs the one legal transition to it,
        as its named action."""
        data = dict(data)
        field = state_field(self.model)
        target = data.pop(field.name, None) if field else None
        obj = self.update(actor=actor, obj=obj, data=data, if_match=if_match)
        if target is None or target == field.value_from_object(obj):
            return obj
        info = services.transition_to(obj, target)
        if info.name not in self.by_name:
            raise TransitionConflict(f"status cannot change to {target!r} here.", allowed_transitions=[])
        if denial := services.transition_denial(actor=actor, obj=obj, info=info):
            raise Forbidden(denial)
        body = self.body(info.name)(data={})  # a transition that needs more than its name needs its own POST
        if not body.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in body.errors.items()})
        return run_transition(self.by_name[info.name], actor=actor, obj=obj, **body.validated_data)

    @property
    def missing(self) -> list[str]:
        return [name for name in transitions_of(self.model) if name not in self.by_name]


def run_transition(function: Callable, *, actor: Principal, obj, if_match: str | None = None, **values):
    """Call a transition's action with its record under the action's keyword (`ticket=obj`)."""
    return function(actor=actor, if_match=if_match, **{record_name(function.model): obj}, **values)
