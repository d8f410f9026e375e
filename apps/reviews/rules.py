"""Who may review a grant: never its holder, never someone holding the same access, never someone who
approved it within the tenant's cool-down (ReviewSettings.approver_cooldown_days). The first choice
(the holder's manager or the entitlement's owner) failing any of these, the campaign owner reviews it;
the owner failing them too, the owner's (active) manager; failing all, the item stays unassigned
(`reviewer_id` empty), flagged to the tenant's admins, and any admin who passes the rules decides it.

`route` assigns reviewers for a whole campaign from three set-based reads (recent approvers, holders of
the entitlements in scope, managers), so a launch of any size costs the same few queries.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.approvals.models import ApprovalStep
from apps.directory.models import Person
from apps.core.people import has_role
from apps.integration.choices import OwnerType
from apps.operations.models import AccessRequest

from .choices import CampaignStatus, ReviewerRule, RoutedBecause
from .models import ReviewSettings

ACTIVE_GRANT = {"status": "provisioned", "entitlement__isnull": False}
CHUNK = 5000


def cooldown_start(tenant_id: str):
    return timezone.now() - timedelta(days=ReviewSettings.of(tenant_id).approver_cooldown_days)


def recent_approvers(tenant_id: str, grant_ids, *, since) -> dict[str, set[str]]:
    """{grant id: people who approved it since `since`} (its own approver, and the approval steps' deciders)."""
    found: dict[str, set[str]] = {}
    grant_ids = list(grant_ids)
    for start in range(0, len(grant_ids), CHUNK):  # a bounded number of parameters per query
        chunk = grant_ids[start:start + CHUNK]
        for grant_id, approver in (AccessRequest.objects.filter(tenant_id=tenant_id, pk__in=chunk,
                                                                approved_at__gte=since, approver_id__isnull=False)
                                   .values_list("pk", "approver_id")):
            found.setdefault(grant_id, set()).add(approver)
        steps = (ApprovalStep.objects.filter(tenant_id=tenant_id, decision="approved", decided_at__gte=since,
                                             approval_request__entity_id__in=chunk)
                 .values_list("approval_request__entity_id", "approver_id", "delegated_to_id", "delegated"))
        for grant_id, approver, delegate, delegated in steps:
            found.setdefault(grant_id, set()).add(delegate if delegated and delegate else approver)
    return found


def holders_of(tenant_id: str, entitlement_ids) -> set[tuple[str, str]]:
    """{(entitlement id, person id)} of every active grant of these entitlements."""
    rows = AccessRequest.objects.filter(tenant_id=tenant_id, entitlement_id__in=entitlement_ids, **ACTIVE_GRANT)
    return {(e, p or r) for e, p, r in rows.values_list("entitlement_id", "principal_id", "requester_id")}


@dataclass(frozen=True)
class Route:
    reviewer_id: str
    because: str
    note: str = ""


def conflict(*, person_id: str, holder_id: str, entitlement_id: str, grant_id: str, holders: set, approvers: dict,
             cooldown_days: int, who: str = "the first choice") -> str | None:
    if person_id == holder_id:
        return f"{who} is the holder"
    if (entitlement_id, person_id) in holders:
        return f"{who} holds this access too"
    if person_id in approvers.get(grant_id, ()):
        return f"{who} approved this access within {cooldown_days} days"
    return None


def active_manager_of(tenant_id: str, person_id: str) -> str | None:
    manager_id = Person.objects.filter(tenant_id=tenant_id, pk=person_id).values_list("manager_id", flat=True).first()
    if manager_id and Person.objects.filter(tenant_id=tenant_id, pk=manager_id, active=True).exists():
        return manager_id
    return None


def fallback_route(*, why: str, candidates: list[tuple[str | None, str, str]], check) -> Route:
    """The first of (person, because, who) without a conflict (`check(person, who)`), else unassigned;
    the note says why each one before it could not take the item."""
    notes = [why]
    for person_id, because, who in candidates:
        if not person_id:
            notes.append(f"{who}: none")
            continue
        reason = check(person_id, who)
        if reason is None:
            return Route(person_id, because, "; ".join(notes)[:300])
        notes.append(reason)
    return Route("", RoutedBecause.UNASSIGNED, "; ".join([*notes, "a tenant admin decides it"])[:300])


def route_all(campaign, grants: list) -> dict[str, Route]:
    """{grant id: Route} for `grants` (AccessRequest rows with entitlement__system selected)."""
    tenant_id = campaign.tenant_id
    settings = ReviewSettings.of(tenant_id)
    since = timezone.now() - timedelta(days=settings.approver_cooldown_days)
    grant_ids = [g.pk for g in grants]
    approvers = recent_approvers(tenant_id, grant_ids, since=since)
    holders = holders_of(tenant_id, {g.entitlement_id for g in grants})
    holder_ids = {g.principal_id or g.requester_id for g in grants}
    managers = {}
    holder_ids = list(holder_ids)
    for start in range(0, len(holder_ids), CHUNK):
        managers.update(Person.objects.filter(tenant_id=tenant_id, pk__in=holder_ids[start:start + CHUNK])
                        .values_list("pk", "manager_id"))
    fallbacks = [(campaign.owner_id, RoutedBecause.FALLBACK, "the campaign owner"),
                 (active_manager_of(tenant_id, campaign.owner_id), RoutedBecause.OWNER_MANAGER,
                  "the campaign owner's manager")]
    routes = {}
    for grant in grants:
        holder = grant.principal_id or grant.requester_id
        if campaign.reviewer_rule == ReviewerRule.MANAGER:
            first, because = managers.get(holder), RoutedBecause.MANAGER
        else:
            owner, owner_type = grant.entitlement.effective_owner()
            first, because = (owner if owner_type == OwnerType.PERSON else None), RoutedBecause.OWNER
        why = "no first choice (no manager, or a group owns it)" if not first else conflict(
            person_id=first, holder_id=holder, entitlement_id=grant.entitlement_id, grant_id=grant.pk,
            holders=holders, approvers=approvers, cooldown_days=settings.approver_cooldown_days)
        if why is None:
            routes[grant.pk] = Route(first, because)
            continue

        def check(person_id, who, grant=grant, holder=holder):
            return conflict(person_id=person_id, holder_id=holder, entitlement_id=grant.entitlement_id,
                            grant_id=grant.pk, holders=holders, approvers=approvers,
                            cooldown_days=settings.approver_cooldown_days, who=who)

        routes[grant.pk] = fallback_route(why=why, candidates=fallbacks, check=check)
    return routes


def decider_denial(*, item, person_id: str) -> str | None:
    """Why `person_id` may not decide `item` now (None: they may). The same rules at every door: the
    admin, the portal, the API and the e-mail link."""
    campaign = item.campaign
    if campaign.status != CampaignStatus.OPEN:
        return f"The campaign is {campaign.get_status_display().lower()}: its decisions are final."
    if person_id == item.holder_id:
        return "You cannot review your own access."
    if person_id not in (item.reviewer_id, campaign.owner_id) and not (
            not item.reviewer_id and has_role(item.tenant_id, person_id, ("admin",))):
        return "This review is assigned to someone else."
    tenant_id = item.tenant_id
    if AccessRequest.objects.filter(tenant_id=tenant_id, entitlement_id=item.entitlement_id, **ACTIVE_GRANT).filter(
            Q(principal_id=person_id) | Q(principal_id__isnull=True, requester_id=person_id)).exists():
        return "You hold this access yourself: another reviewer decides it."
    settings = ReviewSettings.of(tenant_id)
    if person_id in recent_approvers(tenant_id, [item.grant_id], since=cooldown_start(tenant_id)).get(item.grant_id, ()):
        return (f"You approved this access within the last {settings.approver_cooldown_days} days: "
                "another reviewer decides it.")
    return None
