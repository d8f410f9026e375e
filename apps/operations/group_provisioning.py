"""A group's grant through a connector: every member of the group is granted in the target, one by one,
and the grant follows the group — a member who joins is granted, one who leaves (or is deactivated) is
removed, each confirmed by a read-back.

Why each member and not the group itself: SCIM targets have no nested groups (a Group's members are
Users), and an LDAP group nested in another is resolved only by readers that ask for it (AD's
LDAP_MATCHING_RULE_IN_CHAIN; OpenLDAP's groupOfNames does not), while the directory group here need not
exist in the target at all. Granting the members works on every target and keeps reconciliation exact.

`AccessRequest.provisioned_members` records whom the target confirmed through this grant: a leaver is
removed only if they are in it, and a person who still holds the entitlement by another grant (their own,
or another group's) is never removed from the target.

A manual system (no connector acts) gets one task for the group as a whole.
"""
from django.db.models import Q
from django.utils import timezone

from apps.directory.models import Group, Person
from apps.integration.connectors.base import ConnectorError, PersonRef

from .choices import AccessStatus, AccessType, PrincipalType, ProvisioningOp
from .models import AccessRequest

LIVE = (AccessStatus.PROVISIONING, AccessStatus.PROVISIONED)  # grants whose access the target holds (or soon)


def is_group_grant(request: AccessRequest) -> bool:
    return request.principal_type == PrincipalType.GROUP and bool(request.principal_id)


def group_name(request: AccessRequest) -> str:
    group = Group.all_objects.filter(tenant_id=request.tenant_id, pk=request.principal_id).first()
    return (group.display_name if group is not None else "") or request.principal_id


def group_as_person(request: AccessRequest) -> PersonRef:
    """The group as one principal, for a manual system's task (a person grants the group by hand); the
    task is on behalf of whoever asked for the group."""
    name = group_name(request)
    return PersonRef(person_id=request.requester_id, user_name=f"the group {name}",
                     display_name=f"the group {name}")


def ref(person: Person) -> PersonRef:
    return PersonRef(person_id=person.pk, user_name=person.user_name, email=person.email,
                     display_name=person.display_name, given_name=person.given_name, family_name=person.family_name)


def current_members(request: AccessRequest) -> list[Person]:
    """Who the group's grant is for now: its active members the target can know (a userName)."""
    return list(Person.objects.filter(tenant_id=request.tenant_id, groups__id=request.principal_id, active=True)
                .exclude(user_name="").order_by("pk"))


def held_elsewhere(request: AccessRequest, person_ids, *, ending=()) -> set[str]:
    """Those of `person_ids` who hold the same entitlement by another live grant than `request` and the
    grants in `ending` (the grants an approved revoke request ends)."""
    person_ids = set(person_ids)
    if not person_ids:
        return set()
    others = (AccessRequest.objects.filter(tenant_id=request.tenant_id, entitlement_id=request.entitlement_id,
                                           status__in=LIVE)
              .exclude(access_type=AccessType.REVOKE).exclude(provisioning_op=ProvisioningOp.REVOKE)
              .exclude(pk__in=[request.pk, *ending]))
    own = others.exclude(principal_type=PrincipalType.GROUP).filter(
        Q(principal_id__in=person_ids) | ((Q(principal_id__isnull=True) | Q(principal_id="")) & Q(requester_id__in=person_ids)))
    held = {principal or requester for principal, requester in own.values_list("principal_id", "requester_id")}
    for members in others.filter(principal_type=PrincipalType.GROUP).values_list("provisioned_members", flat=True):
        held.update(members or ())
    return held & person_ids


def _people(tenant_id: str, person_ids) -> dict[str, Person]:
    """Leavers included: deactivated and deleted people keep their userName, which the target knows."""
    return {p.pk: p for p in Person.all_objects.filter(tenant_id=tenant_id, pk__in=list(person_ids))}


class Progress:
    """`provisioned_members` as the step goes: kept on the row after each confirmed change, so a failure
    half-way keeps what the target already confirmed (the step's transaction commits either way)."""

    def __init__(self, request: AccessRequest):
        self.request = request
        self.members = set(request.provisioned_members or ())

    def save(self) -> None:
        self.request.provisioned_members = sorted(self.members)
        AccessRequest.objects.filter(pk=self.request.pk).update(provisioned_members=self.request.provisioned_members)


def _remove(connector, target: str, person: Person | None) -> None:
    if person is None or not person.user_name:
        return  # never known to the directory by a userName: nothing to remove in the target
    who = ref(person)
    connector.revoke(person=who, entitlement=target)
    if connector.verify(person=who, entitlement=target):
        raise ConnectorError(f"the target accepted the removal of {person.user_name} but still shows the access")


def grant_members(request: AccessRequest, connector, target: str) -> tuple[int, int]:
    """Grant every current member, remove those who left; returns (granted, removed)."""
    progress = Progress(request)
    members = current_members(request)
    for person in members:
        who = ref(person)
        connector.grant(person=who, entitlement=target)
        if not connector.verify(person=who, entitlement=target):
            raise ConnectorError(f"the target accepted the grant to {person.user_name} but does not show it")
        progress.members.add(person.pk)
        progress.save()
    leavers = progress.members - {person.pk for person in members}
    keep = held_elsewhere(request, leavers)
    people = _people(request.tenant_id, leavers - keep)
    for person_id in sorted(leavers):
        if person_id not in keep:
            _remove(connector, target, people.get(person_id))
        progress.members.discard(person_id)
        progress.save()
    return len(members), len(leavers - keep)


def revoke_members(request: AccessRequest, connector, target: str) -> int:
    """Remove the group's grant from each member it reached: this grant's members when it expires, or
    for an approved revoke request naming the group, the members of the grants it ends."""
    grants = list(ended_grants(request)) if request.access_type == AccessType.REVOKE else [request]
    reached = {pid for grant in grants for pid in (grant.provisioned_members or ())}
    keep = held_elsewhere(request, reached, ending=[grant.pk for grant in grants])
    people = _people(request.tenant_id, reached - keep)
    progress = [Progress(grant) for grant in grants]
    for person_id in sorted(reached):
        if person_id not in keep:
            _remove(connector, target, people.get(person_id))
        for grant in progress:
            grant.members.discard(person_id)
            grant.save()
    return len(reached - keep)


def ended_grants(request: AccessRequest):
    """The group's provisioned grants of the entitlement an approved revoke request ends."""
    return AccessRequest.objects.filter(
        tenant_id=request.tenant_id, principal_type=PrincipalType.GROUP, principal_id=request.principal_id,
        entitlement_id=request.entitlement_id, status=AccessStatus.PROVISIONED,
    ).exclude(access_type=AccessType.REVOKE).exclude(pk=request.pk)


def kept_by_another_grant(request: AccessRequest, person_id: str) -> bool:
    """A person's grant is ending (it expired, or a revoke request ends it) while they still hold the
    entitlement by another grant — a group's, say: the target keeps their access."""
    from .models import held_by

    ending = [request.pk]
    if request.access_type == AccessType.REVOKE:
        ending += list(AccessRequest.objects.filter(held_by(person_id), tenant_id=request.tenant_id,
                                                    entitlement_id=request.entitlement_id, status=AccessStatus.PROVISIONED)
                       .values_list("pk", flat=True))
    return person_id in held_elsewhere(request, {person_id}, ending=ending)


# --- following the group ------------------------------------------------------------------------------
def _connector_group_grants(tenant_id: str):
    """A group's provisioned grants a connector acts on (a manual system's task covers the group as a whole)."""
    return (AccessRequest.objects.filter(tenant_id=tenant_id, principal_type=PrincipalType.GROUP,
                                         status=AccessStatus.PROVISIONED, entitlement__isnull=False,
                                         entitlement__system__connector__isnull=False)
            .exclude(entitlement__system__connector__type="manual")
            .exclude(access_type=AccessType.REVOKE).exclude(provisioning_op=ProvisioningOp.REVOKE))


def groups_reaching(person: Person) -> list[str]:
    """The groups whose grants concern the person: theirs now, and those whose grants reached them (a
    deleted person has left every group already)."""
    groups = set(person.groups.values_list("pk", flat=True))
    for group_id, members in _connector_group_grants(person.tenant_id).values_list("principal_id", "provisioned_members"):
        if person.pk in (members or ()):
            groups.add(group_id)
    return sorted(groups)


def follow_groups(*, tenant_id: str, group_ids) -> int:
    """The groups' members changed: each of their grants takes a step that grants joiners and removes
    leavers, after commit (the same step a renewal's assertion takes). Returns how many were queued."""
    from .provisioning import FALLBACK, provisioning_enqueue

    if not group_ids:
        return 0
    grants = _connector_group_grants(tenant_id).filter(principal_id__in=list(group_ids))
    ids = list(grants.values_list("pk", flat=True))
    AccessRequest.objects.filter(pk__in=ids).update(
        provisioning_op=ProvisioningOp.GRANT, provisioning_attempts=0, provisioning_error="",
        provisioning_next_attempt_at=timezone.now() + FALLBACK)
    for request_id in ids:
        provisioning_enqueue(request_id)
    return len(ids)
