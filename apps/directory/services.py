"""Writes to the directory (people, groups, SCIM tokens) and the strict-mode check of person fields.

Every change goes through the generic services (one transaction with its history row and outbox
event). Deactivating a person changes only the person: records naming them keep the id and stay
readable; nothing is reassigned.
"""
import hashlib
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import events
from apps.core import services as core
from apps.core.exceptions import Conflict
from apps.core.identity_changes import IdentityChangeKind
from apps.core.identity_services import identity_change_record
from apps.core.person_fields import APPROVER_LIST, GROUP, GROUP_LIST, MANAGER, TOKENS, PERSON, PERSON_LIST, ChosenBy, approver_kind, directory_fields
from apps.core.principal import Principal

from .models import DirectorySettings, Group, Person, ScimToken

PERSON_FIELDS = ("source", "user_name", "display_name", "given_name", "family_name", "email", "title", "department",
                 "location", "employee_number", "manager", "active", "external_id")


# -- people ------------------------------------------------------------------------------
def _check_manager(actor: Principal, person_id: str | None, manager) -> None:
    if manager is None:
        return
    if manager.tenant_id != actor.tenant_id or manager.is_deleted:
        raise ValidationError({"manager": ["Unknown person."]})
    if person_id and manager.pk == person_id:
        raise ValidationError({"manager": ["A person cannot be their own manager."]})


def _check_user_name(actor: Principal, user_name: str, person_id: str | None) -> None:
    taken = Person.objects.filter(tenant_id=actor.tenant_id, user_name__iexact=user_name).exclude(pk=person_id or "")
    if taken.exists():
        raise Conflict(f"userName {user_name!r} is taken in this tenant.", errors=[{"field": "user_name", "message": "taken"}])


@transaction.atomic
def person_create(*, actor: Principal, data: dict, person_id: str | None = None) -> Person:
    """`person_id` keeps an id records already hold (importing, the demo seed); else a new `per_…`."""
    data = {k: v for k, v in data.items() if k in PERSON_FIELDS}
    _check_manager(actor, None, data.get("manager"))
    _check_user_name(actor, data.get("user_name", ""), None)
    if person_id and Person.all_objects.filter(pk=person_id).exists():
        raise Conflict(f"Person id {person_id!r} is taken.")
    person = Person(id=person_id or None, **data)
    return core.record_create(actor=actor, obj=person)


@transaction.atomic
def person_update(*, actor: Principal, obj: Person, data: dict, if_match: str | None = None) -> Person:
    data = {k: v for k, v in data.items() if k in PERSON_FIELDS}
    if "manager" in data:
        _check_manager(actor, obj.pk, data["manager"])
    if "user_name" in data and data["user_name"] != obj.user_name:
        _check_user_name(actor, data["user_name"], obj.pk)
    was_active, was = obj.active, {name: getattr(obj, name) for name in IDENTITY_FIELDS}
    obj = core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)
    _record_identity_changes(actor=actor, person=obj, was=was, was_active=was_active)
    if was_active != obj.active:
        events.emit(obj=obj, action="deactivated" if not obj.active else "reactivated", actor=actor)
        forget_person(obj.tenant_id, obj.pk)
    return obj


# Who the person is, as sign-in and one-click links see it: changing these is an identity change.
IDENTITY_FIELDS = {"email": IdentityChangeKind.EMAIL, "external_id": IdentityChangeKind.PROVIDER_LINK,
                   "user_name": IdentityChangeKind.PROVIDER_LINK}


def _record_identity_changes(*, actor: Principal, person: Person, was: dict, was_active: bool) -> None:
    for kind in dict.fromkeys(k for name, k in IDENTITY_FIELDS.items() if getattr(person, name) != was[name]):
        changed = [f"{name}: {was[name]!r} → {getattr(person, name)!r}" for name, k in IDENTITY_FIELDS.items()
                   if k == kind and getattr(person, name) != was[name]]
        identity_change_record(tenant_id=person.tenant_id, kind=kind, actor=actor, subject_id=person.pk,
                               detail="; ".join(changed))
    if was_active and not person.active:
        identity_change_record(tenant_id=person.tenant_id, kind=IdentityChangeKind.DEACTIVATED, actor=actor,
                               subject_id=person.pk)


@transaction.atomic
def person_deactivate(*, actor: Principal, obj: Person) -> Person:
    return person_update(actor=actor, obj=obj, data={"active": False})


@transaction.atomic
def person_delete(*, actor: Principal, obj: Person, if_match: str | None = None) -> None:
    """Soft delete (SCIM DELETE): the person is gone from the directory and from groups; records
    naming them keep the id, and their label still resolves (people.py reads deleted rows too)."""
    if obj.active:
        obj = core.record_update(actor=actor, obj=obj, data={"active": False})
        identity_change_record(tenant_id=obj.tenant_id, kind=IdentityChangeKind.DEACTIVATED, actor=actor,
                               subject_id=obj.pk, detail="deleted")
    obj.groups.clear()
    core.record_delete(actor=actor, obj=obj, if_match=if_match)
    forget_person(obj.tenant_id, obj.pk)


# -- groups ------------------------------------------------------------------------------
def _members(actor: Principal, member_ids) -> list[str]:
    """The ids, each once, checked to be people of the actor's tenant."""
    wanted = list(dict.fromkeys(member_ids))
    found = set(Person.objects.filter(tenant_id=actor.tenant_id, pk__in=wanted).values_list("pk", flat=True))
    unknown = sorted(set(wanted) - found)
    if unknown:
        raise ValidationError({"members": [f"Unknown people: {', '.join(unknown)}."]})
    return wanted


Membership = Group.members.through


def _add_members(group: Group, person_ids: list[str]) -> list[str]:
    """Insert the memberships the group lacks, in one statement; the ids added."""
    held = set(Membership.objects.filter(group_id=group.pk, person_id__in=person_ids)
               .values_list("person_id", flat=True))
    added = [pk for pk in person_ids if pk not in held]
    Membership.objects.bulk_create([Membership(group_id=group.pk, person_id=pk) for pk in added], ignore_conflicts=True)
    return added


def _remove_members(group: Group, person_ids) -> list[str]:
    rows = Membership.objects.filter(group_id=group.pk, person_id__in=list(person_ids))
    removed = list(rows.values_list("person_id", flat=True))
    rows.delete()
    return removed


@transaction.atomic
def group_create(*, actor: Principal, data: dict, member_ids=(), group_id: str | None = None) -> Group:
    group = core.record_create(actor=actor, obj=Group(
        id=group_id or None, display_name=data.get("display_name", ""), external_id=data.get("external_id", ""),
        source=data.get("source", "edm")))
    if member_ids:
        _add_members(group, _members(actor, member_ids))
    return group


@transaction.atomic
def group_update(*, actor: Principal, obj: Group, data: dict, if_match: str | None = None,
                 add=(), remove=(), replace=None) -> Group:
    """Field changes plus membership: `add`/`remove` person ids, or `replace` the whole list.

    A membership change costs statements in proportion to the ids it names, not to the group: the
    memberships are inserted and deleted set-wise, and its one `members_changed` event carries who was
    added and who removed (an identity provider adds a big group's members a hundred at a time)."""
    data = {k: v for k, v in data.items() if k in ("display_name", "external_id")}
    obj = core.record_update(actor=actor, obj=obj, data=data, if_match=if_match)
    added, removed = [], []
    if replace is not None:
        wanted = _members(actor, replace)
        current = set(Membership.objects.filter(group_id=obj.pk).values_list("person_id", flat=True))
        removed = _remove_members(obj, current - set(wanted))
        added = _add_members(obj, [pk for pk in wanted if pk not in current])
    if add:
        added += _add_members(obj, _members(actor, add))
    if remove:
        removed += _remove_members(obj, remove)
    if added or removed:
        events.emit(obj=obj, action="members_changed", actor=actor,
                    payload={"id": obj.pk, "added": sorted(set(added)), "removed": sorted(set(removed))})
    return obj


@transaction.atomic
def group_delete(*, actor: Principal, obj: Group, if_match: str | None = None) -> None:
    obj.members.clear()
    core.record_delete(actor=actor, obj=obj, if_match=if_match)


# -- SCIM tokens -------------------------------------------------------------------------
def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def scim_token_create(*, actor: Principal, data: dict) -> ScimToken:
    raw = "scim_" + secrets.token_urlsafe(32)
    token = ScimToken(name=data.get("name", ""), expires_at=data.get("expires_at"), token_hash=hash_token(raw),
                      prefix=raw[:10])
    token = core.record_create(actor=actor, obj=token)
    token.raw_token = raw  # shown once, on the admin page after creating it
    return token


def scim_token_for(raw: str) -> ScimToken | None:
    """The live token with this text (not revoked, not expired), its use stamped at most once a minute."""
    token = ScimToken.objects.filter(token_hash=hash_token(raw), revoked=False).first()
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_maker(token_id: str) -> str | None:
    """Who made the SCIM token: the admin on whose behalf its identity changes are recorded."""
    return ScimToken.all_objects.filter(pk=token_id).values_list("created_by", flat=True).first()


# -- settings and strict mode --------------------------------------------------------------
_strict_memo: dict[str, tuple[bool, float]] = {}


def is_strict(tenant_id: str) -> bool:
    """Whether the tenant's directory is strict; remembered for DIRECTORY_STRICT_CACHE_SECONDS per
    process (0: read on every write), so lenient writes cost no query."""
    ttl = getattr(settings, "DIRECTORY_STRICT_CACHE_SECONDS", 0)
    memo = _strict_memo.get(tenant_id)
    if memo is not None and memo[1] > time.monotonic():
        return memo[0]
    strict = DirectorySettings.objects.filter(tenant_id=tenant_id, strict=True).exists()
    if ttl > 0:
        _strict_memo[tenant_id] = (strict, time.monotonic() + ttl)
    return strict


_deactivated_memo: dict[tuple[str, str], tuple[bool, float]] = {}
DEACTIVATED_MEMO_MAX = 8192


def is_deactivated(tenant_id: str, person_id: str) -> bool:
    """Whether `person_id` is a Person of the tenant's directory who was deactivated or deleted (an
    id the directory does not hold is not: service subjects, staff the directory does not list).
    Remembered for DIRECTORY_ACTIVE_CACHE_SECONDS per process (0: one primary-key read each time);
    a change through person_update/person_delete forgets it at once in this process."""
    ttl = getattr(settings, "DIRECTORY_ACTIVE_CACHE_SECONDS", 0)
    key = (tenant_id, person_id)
    memo = _deactivated_memo.get(key)
    if memo is not None and memo[1] > time.monotonic():
        return memo[0]
    row = Person.all_objects.filter(tenant_id=tenant_id, pk=person_id).values_list("active", "is_deleted").first()
    gone = row is not None and (not row[0] or row[1])
    if ttl > 0:
        if len(_deactivated_memo) >= DEACTIVATED_MEMO_MAX:
            _deactivated_memo.clear()
        _deactivated_memo[key] = (gone, time.monotonic() + ttl)
    return gone


def forget_person(tenant_id: str, person_id: str) -> None:
    """Now (this transaction's later reads) and after commit (a read in between cached the old row)."""
    _deactivated_memo.pop((tenant_id, person_id), None)
    transaction.on_commit(lambda: _deactivated_memo.pop((tenant_id, person_id), None))


def directory_settings_create(*, actor: Principal, data: dict) -> DirectorySettings:
    return directory_settings_set(actor=actor, strict=bool(data.get("strict")))


def directory_settings_update(*, actor: Principal, obj: DirectorySettings, data: dict,
                              if_match: str | None = None) -> DirectorySettings:
    return directory_settings_set(actor=actor, strict=bool(data.get("strict", obj.strict)))


@transaction.atomic
def directory_settings_set(*, actor: Principal, strict: bool) -> DirectorySettings:
    row = DirectorySettings.objects.filter(tenant_id=actor.tenant_id).first()
    if row is None:
        row = core.record_create(actor=actor, obj=DirectorySettings(strict=strict))
    else:
        row = core.record_update(actor=actor, obj=row, data={"strict": strict})
    transaction.on_commit(lambda: _strict_memo.pop(actor.tenant_id, None))
    return row


def check_references(*, tenant_id: str, model, values: dict, instance=None) -> None:
    """In strict mode, refuse (ValidationError naming the field) a person field holding an id that is
    not an active Person of the tenant, or a group field naming no Group of it. Only values being
    written are checked: on an update, a field keeping its current value (say, a requester since
    deactivated) passes, so old records stay editable."""
    declared = directory_fields(model)
    if not declared or not any(name in values for name in declared) or not is_strict(tenant_id):
        return
    wanted: dict[str, list[tuple[str, str]]] = {PERSON: [], GROUP: []}
    for name, kind in declared.items():
        if name not in values or values[name] in (None, "", []):
            continue
        if instance is not None and getattr(instance, name, None) == values[name]:
            continue
        if isinstance(kind, ChosenBy):
            kind = kind.kind(values, instance)
        if kind == APPROVER_LIST:  # the manager and the owner are resolved (and checked) when a request is made
            for value in values[name]:
                if isinstance(value, str) and approver_kind(value) not in TOKENS:
                    wanted[approver_kind(value)].append((name, value))
            continue
        ids = values[name] if kind in (PERSON_LIST, GROUP_LIST) else [values[name]]
        for value in ids:
            wanted[GROUP if kind in (GROUP, GROUP_LIST) else PERSON].append((name, value))
    errors: dict[str, list[str]] = {}
    if wanted[PERSON]:
        active = set(Person.objects.filter(tenant_id=tenant_id, active=True,
                                           pk__in={v for _, v in wanted[PERSON]}).values_list("pk", flat=True))
        for name, value in wanted[PERSON]:
            if value not in active:
                errors.setdefault(name, []).append(f"{value!r} is not an active person of this tenant's directory.")
    if wanted[GROUP]:
        known = set(Group.objects.filter(tenant_id=tenant_id, pk__in={v for _, v in wanted[GROUP]})
                    .values_list("pk", flat=True))
        for name, value in wanted[GROUP]:
            if value not in known:
                errors.setdefault(name, []).append(f"{value!r} is not a group of this tenant's directory.")
    if errors:
        raise ValidationError(errors)

