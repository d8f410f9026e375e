"""Generic record operations every named action builds on (Zulip-style actions).

Each one is a single transaction: the change, its history row and its outbox event commit
together. The named actions (`apps/<domain>/actions.py`, apps/core/actions.py) wrap these.
"""
import hashlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from . import events
from .exceptions import Forbidden, PreconditionFailed, StaleVersion, TransitionConflict  # noqa: F401 (re-exported)
from .fsm import TransitionInfo, available_transitions, state_field, transitions_of
from .parties import decision_parties
from .principal import Principal

def etag_of(obj) -> str:
    version = getattr(obj, "version", "") if obj.optimistic_version else ""
    raw = f"{obj.pk}:{obj.updated_at.isoformat()}:{version}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:24] + '"'


def check_if_match(obj, if_match: str | None) -> None:
    if not if_match or if_match.strip() == "*":
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if any(tag.startswith("W/") for tag in wanted):  # RFC 9110 13.1.1: If-Match compares strongly
        raise PreconditionFailed("If-Match takes the strong ETag exactly as read; a weak (W/) tag never matches.")
    if etag_of(obj) not in wanted:
        raise PreconditionFailed("The record changed since you read it (If-Match does not match its ETag).")


def check_version(obj, version) -> None:
    if obj.optimistic_version and version is not None and int(version) != obj.version:
        raise StaleVersion(f"version {version} is stale; the current version is {obj.version}.", current_version=obj.version)


def lock(obj):
    """Re-read the row under a lock (SELECT ... FOR UPDATE on PostgreSQL)."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _stamp(obj, actor: Principal) -> None:
    now = timezone.now()
    obj.updated_at = now
    obj.updated_by = actor.person_id
    obj.source_type = actor.source_type  # where the latest write came from
    if obj.optimistic_version and obj.pk and not obj._state.adding:
        obj.version = (obj.version or 0) + 1
    obj._history_user = actor


def check_write(actor: Principal, model) -> None:
    roles = model.write_roles
    if roles is not None and not actor.has_role(*roles):
        raise Forbidden(f"Changing {model._meta.verbose_name_plural} needs one of the roles: {', '.join(('admin', *roles))}.")


def _check_filing(actor: Principal, obj) -> None:
    """A member files requests for themselves; staff (any role) may file on someone's behalf, and stay
    on record as the creator (which keeps them from deciding it)."""
    field = type(obj).requester_field
    if field is None or actor.source_type == "system":
        return
    given = getattr(obj, field, None)
    if not given:
        setattr(obj, field, actor.person_id)
    elif given != actor.person_id and not actor.roles:
        raise Forbidden(f"You can only file requests for yourself ({field} must be you or left out).",
                        errors=[{"field": field, "message": "must be you"}])


def _validate(obj, *, exclude: tuple = ()) -> None:
    # A foreign key holding a record read from the database in this transaction (the SLA policy a
    # service looked up, a relation the serializer resolved) needs no second existence query.
    loaded = [
        f.name for f in obj._meta.concrete_fields
        if f.is_relation and f.is_cached(obj) and (related := f.get_cached_value(obj)) is not None
        and not related._state.adding and related.pk == getattr(obj, f.attname)
    ]
    obj.full_clean(exclude=[*loaded, *exclude], validate_unique=False, validate_constraints=False)


@transaction.atomic(savepoint=False)
def record_create(*, actor: Principal, obj, emit: bool = True, assign=None, assigns: tuple = ()):
    """Insert `obj` for `actor`, with its history row and `created` event, in one transaction.

    Inside a caller's transaction it adds no savepoint: a refusal rolls the caller back too (a
    caller that catches errors and goes on wraps the call in its own `transaction.atomic()`).
    `assign(obj)` runs after validation, right before the INSERT, and sets the server-assigned
    fields named in `assigns` (not validated: no client sends them). Take row locks there, such
    as a counter's, so they are held for as short a time as possible."""
    check_write(actor, type(obj))
    _check_filing(actor, obj)
    obj.tenant_id = actor.tenant_id
    obj.app_id = actor.app_id
    obj.created_by = obj.updated_by = actor.person_id
    obj.updated_at = obj.created_at
    obj.source_type = actor.source_type
    if obj.optimistic_version:
        obj.version = 1
    obj._history_user = actor
    _validate(obj, exclude=assigns)
    if assign is not None:
        assign(obj)
    obj.save(force_insert=True)
    if emit:
        events.emit(obj=obj, action="created", actor=actor)
    return obj


@transaction.atomic
def record_update(*, actor: Principal, obj, data: dict, if_match: str | None = None, prepare=None):
    """Apply field changes (a change of `status` is a transition: Actions.save runs it).

    `prepare(obj, changed)` lets a domain service derive fields before the row is saved.
    """
    data = dict(data)
    check_write(actor, type(obj))
    obj = lock(obj)
    check_if_match(obj, if_match)
    check_version(obj, data.pop("version", None))
    field = state_field(type(obj))
    target = data.pop(field.name, None) if field else None
    changed = [name for name, value in data.items() if getattr(obj, name) != value]
    if obj.field_policy is not None and actor.source_type != "system":
        obj.field_policy.check_update(obj, actor, changed)
    for name in changed:
        setattr(obj, name, data[name])
    if changed:
        if prepare is not None:
            prepare(obj, set(changed))
        _stamp(obj, actor)
        _validate(obj)
        obj.save()
        events.emit(obj=obj, action="updated", actor=actor, payload=None)
    if target is not None and target != field.value_from_object(obj):  # Actions.save runs it as its named action
        raise TransitionConflict(f"status changes through a transition, not an update (to {target!r}).",
                                 allowed_transitions=available_transitions(obj))
    return obj


def transition_to(obj, target) -> TransitionInfo:
    """The one legal transition from the record's status to `target` (a PATCH of `status`)."""
    current = state_field(type(obj)).value_from_object(obj)
    candidates = [t for t in transitions_of(type(obj)).values() if t.target == target and t.allowed_from(current)]
    if len(candidates) != 1:
        raise TransitionConflict(f"status cannot change from {current!r} to {target!r} directly.",
                                 allowed_transitions=available_transitions(obj))
    return candidates[0]


@transaction.atomic
def record_delete(*, actor: Principal, obj, if_match: str | None = None) -> None:
    check_write(actor, type(obj))
    obj = lock(obj)
    check_if_match(obj, if_match)
    if obj.field_policy is not None and actor.source_type != "system":
        obj.field_policy.check_delete(obj, actor)
    obj.is_deleted = True
    obj.deleted_at = timezone.now()
    obj.deleted_by = actor.person_id
    _stamp(obj, actor)
    obj.save()
    events.emit(obj=obj, action="deleted", actor=actor)


# Rules other domains add to every transition, e.g. approvals: while an approval request for a record
# is open, the transitions it decides run only through it. Each is `guard(obj, info)`, raising a DomainError.
transition_guards: list = []


def register_transition_guard(guard):
    if guard not in transition_guards:
        transition_guards.append(guard)
    return guard


def transition_denial(*, actor: Principal, obj, info: TransitionInfo) -> str | None:
    """Why `actor` may not run `info` on `obj` (None when allowed). One rule for API, admin, commands."""
    requester = obj.requester_person_id
    check = info.custom.get("check")
    if check is not None and (reason := check(obj, actor)):
        return reason
    if info.custom.get("sod") and actor.person_id in decision_parties(obj):
        return ("Segregation of duties: you cannot decide a record you created, requested or are the "
                "principal of (now or earlier).")
    roles = info.roles
    if roles is None or actor.has_role(*roles):
        return None
    if info.custom.get("requester_may") and requester == actor.person_id:
        return None
    return f"'{info.name}' needs one of the roles: {', '.join(('admin',) + tuple(roles))}."


def _keep_reason(*, obj, info: TransitionInfo, comment: str) -> None:
    """A transition declaring `custom={"reason": field}` (reject, cancel, block) needs a comment, kept on
    the record in `field`: whoever reads it later learns why."""
    field = info.custom.get("reason")
    if not field:
        return
    reason = str(comment or "").strip()
    if not reason:
        raise ValidationError({"comment": f"Say why: {info.name.replace('_', ' ')} needs a reason."})
    setattr(obj, field, reason)


def _transition(*, actor: Principal, obj, info: TransitionInfo, comment: str = "", params: dict | None = None,
                prepare: Callable | None = None, check_permission: bool = True):
    denial = check_permission and transition_denial(actor=actor, obj=obj, info=info)
    if denial:
        raise Forbidden(denial)
    for guard in transition_guards:
        guard(obj, info)
    if info.name not in available_transitions(obj):
        state = state_field(type(obj)).value_from_object(obj)
        raise TransitionConflict(
            f"'{info.name}' is not allowed from status {state!r}.", allowed_transitions=available_transitions(obj)
        )
    _keep_reason(obj=obj, info=info, comment=comment)
    try:
        getattr(obj, info.method)(**(params or {}))
    except TransitionNotAllowed as exc:
        raise TransitionConflict(str(exc), allowed_transitions=available_transitions(obj)) from exc
    if prepare is not None:  # fields that depend on the new state (a ticket's SLA clock)
        prepare(obj)
    _stamp(obj, actor)
    obj._change_reason = (comment or info.name)[:100]
    _validate(obj)
    try:
        obj.save()
    except ConcurrentTransition as exc:
        raise TransitionConflict("Another change to this record won the race; reload and retry.") from exc
    events.emit(obj=obj, action=info.event, actor=actor)
    return obj


@transaction.atomic(savepoint=False)
def record_transition(*, actor: Principal, obj, name: str, comment: str = "", params: dict | None = None,
                      prepare: Callable | None = None, if_match: str | None = None, check_permission: bool = True):
    """Run transition `name`: the generic part of every transition action (apps/core/actions.py).

    The named action says what the model method receives (`params`, never a request body as such) and
    what to derive before the save (`prepare(obj)`). No savepoint inside a caller's transaction, as
    record_create. `check_permission=False` is for engine-internal steps (approvals activating a step,
    applying a decision to its target): the decision itself was checked."""
    info = transitions_of(type(obj)).get(name)
    if info is None:
        raise TransitionConflict(f"Unknown transition '{name}'.", allowed_transitions=available_transitions(obj))
    obj = lock(obj)
    check_if_match(obj, if_match)
    return _transition(actor=actor, obj=obj, info=info, comment=comment, params=params, prepare=prepare,
                       check_permission=check_permission)


def raise_validation(field: str, message: str):
    raise ValidationError({field: [message]})
