"""Who may decide a step: its approver, its delegate, or on a group step any active member of the
group who is not a party to the request; and which open steps nobody can decide any more.

One definition serves the decision check, the inbox ("waiting for me"), the dashboard counts and
the notifications, so what a member is shown is what they may do.
"""
from django.db.models import Exists, OuterRef, Q, Subquery

from apps.directory.models import Group, Person

from .choices import OPEN_STEP_STATES

Membership = Group.members.through


def _active_memberships(tenant_id: str, group_id):
    """Active memberships of a group (or of any of a list of groups)."""
    by_group = {"group_id__in": group_id} if isinstance(group_id, list) else {"group_id": group_id}
    return Membership.objects.filter(**by_group, group__tenant_id=tenant_id, group__is_deleted=False,
                                     person__active=True, person__is_deleted=False)


def is_active_member(tenant_id: str, group_id: str | None, person_id: str | None) -> bool:
    if not group_id or not person_id:
        return False
    return _active_memberships(tenant_id, group_id).filter(person_id=person_id).exists()


def group_deciders(tenant_id: str, group_id: str, parties: set[str]) -> list[str]:
    """The group's active members who are not parties, by id."""
    members = _active_memberships(tenant_id, group_id).values_list("person_id", flat=True)
    return sorted(set(members) - set(parties))


def waiting_for(person_id: str, *, tenant_id: str | None = None) -> Q:
    """Open or not, the steps `person_id` decides: theirs, delegated to them, or a group step of a
    group they actively belong to and of a request they did not make. Someone with no directory
    person (a staff login only) decides none.

    As `pk IN (UNION of three branches)`, each read from its own index (the approver's, the delegate's,
    the person's groups'), with `tenant_id` in every branch; OR'ed on the step, PostgreSQL read every
    undecided group step of the tenant to test the membership."""
    from .models import ApprovalStep

    if not person_id:
        return Q(pk__in=[])
    steps = ApprovalStep.all_objects.filter(tenant_id=tenant_id) if tenant_id else ApprovalStep.all_objects.all()
    groups = Membership.objects.filter(person_id=person_id, group__is_deleted=False, person__active=True,
                                       person__is_deleted=False).values("group_id")
    theirs = steps.filter(approver_id=person_id, delegated=False)
    delegated = steps.filter(delegated_to_id=person_id)
    of_their_groups = (steps.filter(approver_id="", delegated=False, approver_group_id__in=groups)
                       .exclude(approval_request__requested_by_id=person_id)
                       .exclude(approval_request__created_by=person_id))
    first, *rest = [branch.values("pk").order_by() for branch in (theirs, delegated, of_their_groups)]
    return Q(pk__in=first.union(*rest))


def needing_reassignment(steps, *, tenant_id: str | None = None):
    """Those of `steps` (ApprovalStep rows) that are open and that nobody may decide any more: the
    decider is a deactivated or deleted directory person, or a group step's group has no active
    member (or was deleted). Parties in a group are not counted here (the request decided that).

    As `pk IN (UNION of three branches)`, each starting from what is rare (the people who left, by the
    `person_tenant_gone` index; the groups left without an active member, a group per fifty people)
    rather than from every open step; with `tenant_id` each branch stays in the tenant's index entries."""
    from .models import ApprovalStep

    in_tenant = {"tenant_id": tenant_id} if tenant_id else {}
    gone = Person.all_objects.filter(Q(active=False) | Q(is_deleted=True), **in_tenant).values("pk")
    open_steps = ApprovalStep.all_objects.filter(status__in=OPEN_STEP_STATES, **in_tenant)
    # A group's first active member, probed per group by the members' group index. As a scalar subquery
    # it stays a probe per group: an EXISTS under the OR may be planned as one hash of every tenant's
    # memberships joined to their people, whose cost follows the whole directory.
    first_active = Membership.objects.filter(group_id=OuterRef("pk"), person__active=True,
                                             person__is_deleted=False).values("person_id")[:1]
    emptied = (Group.all_objects.filter(**in_tenant).annotate(first_active=Subquery(first_active))
               .filter(Q(is_deleted=True) | Q(first_active__isnull=True)).values("pk"))
    delegate_gone = open_steps.filter(delegated=True, delegated_to_id__in=gone)
    approver_gone = open_steps.filter(delegated=False, approver_id__in=gone).exclude(approver_id="")
    group_empty = open_steps.filter(delegated=False, approver_id="", approver_group_id__in=emptied)
    first, *rest = [branch.values("pk").order_by() for branch in (delegate_gone, approver_gone, group_empty)]
    return steps.filter(status__in=OPEN_STEP_STATES, pk__in=first.union(*rest))


def needs_reassignment(step) -> bool:
    from .models import ApprovalStep

    return needing_reassignment(ApprovalStep.objects.filter(pk=step.pk), tenant_id=step.tenant_id).exists()


def other_steps_deciders(step) -> set[str]:
    """Everyone who decides, decided or may decide another step of `step`'s request (its approver,
    delegate, or an active member of its group): none of them may take this step too, or one person
    would decide twice. Two queries, however long the chain."""
    others = list(type(step).objects.filter(approval_request_id=step.approval_request_id).exclude(pk=step.pk)
                  .exclude(status="skipped").values_list("approver_id", "delegated_to_id", "approver_group_id"))
    out = {person for approver, delegate, _ in others for person in (approver, delegate) if person}
    groups = {group for *_, group in others if group}
    if groups:
        out |= set(_active_memberships(step.tenant_id, list(groups)).values_list("person_id", flat=True))
    return out
