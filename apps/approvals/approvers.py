"""What an approver list names, one step each: a person id, a group id (`grp_…`: any active member
who is not a party decides), `manager` (the requester's manager in the directory) or `owner` (the
owner of the catalog entitlement the record asks for, else its system's: a person or a group).

A chain keeps the entries as written; a request turns them into concrete steps when it is made
(`resolve_approvers`), so a later change of manager or of the chain does not move open steps.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from apps.core.person_fields import GROUP, MANAGER, OWNER, TOKENS, approver_kind
from apps.directory.models import Group, Person

from .deciders import group_deciders

FIELD = "approver_ids"


@dataclass(frozen=True)
class StepApprover:
    person_id: str = ""
    group: Group | None = None


def _refuse(message: str):
    raise ValidationError({FIELD: [message]})


def _groups(tenant_id: str, ids: set[str]) -> dict[str, Group]:
    return {g.pk: g for g in Group.objects.filter(tenant_id=tenant_id, pk__in=ids)} if ids else {}


def check_chain_entries(*, tenant_id: str, entries) -> None:
    """A chain's list: strings, each once, its groups groups of this tenant (another tenant's is
    unknown here). People are checked as every person field is (the admin picker, strict mode)."""
    if not isinstance(entries, list) or not all(isinstance(e, str) and e.strip() for e in entries):
        _refuse("A list of person ids, group ids, \"manager\" or \"owner\".")
    if len(set(entries)) != len(entries):
        _refuse("Each approver may appear only once.")
    wanted = {e for e in entries if approver_kind(e) == GROUP}
    unknown = sorted(wanted - set(_groups(tenant_id, wanted)))
    if unknown:
        _refuse(f"Not a group of this tenant's directory: {', '.join(unknown)}.")


def _manager_of(tenant_id: str, requester_id: str) -> str:
    requester = Person.objects.filter(tenant_id=tenant_id, pk=requester_id).select_related("manager").first()
    manager = requester.manager if requester is not None else None
    if manager is None or manager.tenant_id != tenant_id or not manager.active or manager.is_deleted:
        _refuse(f"The approvers include the requester's manager, but {requester_id!r} has no active manager "
                "in this tenant's directory.")
    return manager.pk


def _group_step(tenant_id: str, group: Group | None, entry: str, parties: set[str]) -> StepApprover:
    if group is None:
        _refuse(f"Not a group of this tenant's directory: {entry}.")
    if not group_deciders(tenant_id, group.pk, parties):
        _refuse(f"Group {group} has no active member who may decide (the request's parties excluded).")
    return StepApprover(group=group)


def _owner_step(tenant_id: str, owner: tuple[str, str] | None, parties: set[str]) -> StepApprover:
    if owner is None:
        _refuse("The approvers include the owner, but the record names no catalog entitlement (or system) "
                "with an owner.")
    owner_id, owner_type = owner
    if owner_type == GROUP:
        return _group_step(tenant_id, _groups(tenant_id, {owner_id}).get(owner_id), owner_id, parties)
    if owner_id in parties:
        _refuse(f"The owner {owner_id!r} is a party to the request and cannot approve it.")
    return StepApprover(person_id=owner_id)


def resolve_approvers(*, tenant_id: str, entries: list[str], requester_id: str, parties: set[str],
                      owner: tuple[str, str] | None = None) -> list[StepApprover]:
    """The steps `entries` make for a request by `requester_id`: the manager and the owner resolved
    (refused when there is none or they are a party; a person named twice that way decides once, at
    the first step naming them), each group known and holding someone who may decide."""
    groups = _groups(tenant_id, {e for e in entries if approver_kind(e) == GROUP})
    named = {e for e in entries if approver_kind(e) not in (GROUP, *TOKENS)}
    steps: list[StepApprover] = []
    for entry in entries:
        kind = approver_kind(entry)
        if kind == GROUP:
            step = _group_step(tenant_id, groups.get(entry), entry, parties)
        elif kind == MANAGER:
            manager = _manager_of(tenant_id, requester_id)
            if manager in parties:
                _refuse(f"The requester's manager {manager!r} is a party to the request and cannot approve it.")
            step = StepApprover(person_id=manager)
        elif kind == OWNER:
            step = _owner_step(tenant_id, owner, parties)
        else:
            step = StepApprover(person_id=entry)
        if kind in TOKENS and step.person_id and (step.person_id in named or step in steps):
            continue  # the same person already decides at another step
        if step.group is not None and any(s.group == step.group for s in steps):
            continue  # the owner's group is also named
        steps.append(step)
    return steps
