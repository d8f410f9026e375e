"""What access reviews do besides single transitions: launching (one item per grant in scope), bulk
keeping, closing (the unanswered rule), carrying revokes to the connectors, their confirmation, the
reminders and escalations of the sweep, and the evidence of a sign-off.

Writes touching many items are set-based (one UPDATE, history rows in bulk, outbox rows in bulk) and
move the tallies by counted groups, never by re-reading the campaign.
"""
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from apps.core import events
from apps.core.exceptions import Conflict
from apps.core.ids import new_id
from apps.core.models import Event
from apps.core.principal import Principal, system_principal
from apps.operations.choices import AccessStatus, PrincipalType, ProvisioningOp
from apps.operations.models import AccessRequest
from apps.operations.provisioning import FALLBACK, provisioning_enqueue

from .choices import CampaignStatus, ItemStatus, RevokeState, RoutedBecause, UnansweredRule
from .models import RISK_ORDER, ReviewCampaign, ReviewItem, ReviewSettings, ReviewTally
from .rules import ACTIVE_GRANT, cooldown_start, holders_of, recent_approvers, route_all

BATCH = 2000


# -- scope and launch ---------------------------------------------------------------------------------
def grants_in_scope(campaign: ReviewCampaign):
    grants = AccessRequest.objects.filter(tenant_id=campaign.tenant_id, **ACTIVE_GRANT).exclude(
        principal_type=PrincipalType.GROUP)
    if campaign.system_id:
        grants = grants.filter(entitlement__system_id=campaign.system_id)
    if campaign.entitlement_id:
        grants = grants.filter(entitlement_id=campaign.entitlement_id)
    if campaign.min_risk:
        grants = grants.filter(entitlement__risk__in=RISK_ORDER[RISK_ORDER.index(campaign.min_risk):])
    if campaign.group_id:
        members = campaign.group.members.values("pk")
        grants = grants.filter(Q(principal_id__in=members) | Q(principal_id__isnull=True, requester_id__in=members)
                               | Q(principal_id="", requester_id__in=members))
    return grants


def _labels(tenant_id: str, person_ids) -> dict[str, str]:
    from apps.directory.models import Person

    wanted, found = sorted({p for p in person_ids if p}), {}
    for start in range(0, len(wanted), BATCH):  # a bounded number of parameters per query
        found.update((p.pk, p.label) for p in Person.objects.filter(tenant_id=tenant_id, pk__in=wanted[start:start + BATCH])
                     .only("id", "display_name", "given_name", "family_name", "user_name", "email", "active",
                           "is_deleted"))
    return found


def create_items(*, actor: Principal, campaign: ReviewCampaign) -> int:
    """One item per grant in scope, its reviewer routed (rules.py), and the tallies that count them."""
    grants = list(grants_in_scope(campaign).select_related("entitlement__system").order_by("id"))
    if not grants:
        raise Conflict("No active grant matches this campaign's scope: widen it (system, entitlement, risk, group).")
    routes = route_all(campaign, grants)
    now = timezone.now()
    items = []
    for grant in grants:
        route = routes[grant.pk]
        items.append(ReviewItem(
            tenant_id=campaign.tenant_id, app_id=campaign.app_id, campaign=campaign, grant=grant,
            holder_id=grant.principal_id or grant.requester_id, system_id=grant.entitlement.system_id,
            entitlement=grant.entitlement, risk=grant.entitlement.risk, reviewer_id=route.reviewer_id,
            routed_because=route.because, routing_note=route.note, created_at=now, updated_at=now,
            created_by=actor.person_id, updated_by=actor.person_id, source_type=actor.source_type))
    for item in items:
        item.id = new_id(ReviewItem.id_prefix)
    ReviewItem.objects.bulk_create(items, batch_size=BATCH)
    by_reviewer = Counter(i.reviewer_id for i in items)
    by_system = Counter(i.system_id for i in items)
    people = _labels(campaign.tenant_id, by_reviewer)
    systems = {g.entitlement.system_id: g.entitlement.system.name for g in grants}
    ReviewTally.objects.bulk_create(
        [ReviewTally(tenant_id=campaign.tenant_id, campaign=campaign, dimension=ReviewTally.REVIEWER, key=k,
                     label=people.get(k, k) or "Unassigned (a tenant admin decides)", total=n)
         for k, n in by_reviewer.items()]
        + [ReviewTally(tenant_id=campaign.tenant_id, campaign=campaign, dimension=ReviewTally.SYSTEM, key=k,
                       label=systems.get(k, k), total=n) for k, n in by_system.items()], batch_size=BATCH)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(items_total=len(items))
    campaign.items_total = len(items)
    if unassigned := by_reviewer.get("", 0):  # nobody without a conflict: the tenant's admins hear of it
        _emit_campaign(campaign, "unassigned", unassigned=unassigned)
    return len(items)


# -- tallies --------------------------------------------------------------------------------------------
def move_tallies(campaign_id: str, rows, *, to: str, undo: str | None = None) -> None:
    """Count decided `rows` (objects or dicts with reviewer_id and system_id) into column `to` of their
    reviewer's and system's tallies and of the campaign (and out of `undo`, when a decision moved)."""
    def get(row, name):
        return row[name] if isinstance(row, dict) else getattr(row, name)

    for dimension, field in ((ReviewTally.REVIEWER, "reviewer_id"), (ReviewTally.SYSTEM, "system_id")):
        for key, n in Counter(get(r, field) for r in rows).items():
            change = {to: F(to) + n}
            if undo:
                change[undo] = F(undo) - n
            ReviewTally.objects.filter(campaign_id=campaign_id, dimension=dimension, key=key).update(**change)
    total = len(rows)
    if total:
        change = {f"items_{to}": F(f"items_{to}") + total}
        if undo:
            change[f"items_{undo}"] = F(f"items_{undo}") - total
        ReviewCampaign.objects.filter(pk=campaign_id).update(**change)


def reassign_tallies(campaign: ReviewCampaign, moved: Counter, to_reviewer: str) -> None:
    """Undecided items moved from reviewers (`moved`: {reviewer: count}) to `to_reviewer`."""
    for key, n in moved.items():
        ReviewTally.objects.filter(campaign=campaign, dimension=ReviewTally.REVIEWER, key=key).update(total=F("total") - n)
    n = sum(moved.values())
    updated = ReviewTally.objects.filter(campaign=campaign, dimension=ReviewTally.REVIEWER, key=to_reviewer).update(
        total=F("total") + n)
    if not updated:
        label = _labels(campaign.tenant_id, [to_reviewer]).get(to_reviewer, to_reviewer)
        ReviewTally.objects.create(tenant_id=campaign.tenant_id, campaign=campaign, dimension=ReviewTally.REVIEWER,
                                   key=to_reviewer, label=label, total=n)


# -- decisions ------------------------------------------------------------------------------------------
def after_decision(item: ReviewItem) -> None:
    """In the decision's transaction: the tallies, and a revoke carried out now if the tenant says so."""
    move_tallies(item.campaign_id, [item], to="kept" if item.status == ItemStatus.KEPT else "revoked")
    if item.status == ItemStatus.REVOKED and ReviewSettings.of(item.tenant_id).revoke_at_once:
        queue_revokes(ReviewItem.objects.filter(pk=item.pk))
        item.refresh_from_db()


def _bulk_events(items, action: str, actor: Principal) -> None:
    """The outbox rows of many decisions, written at once (as events.emit writes each)."""
    rows = [Event(id=new_id("evt"), tenant_id=i.tenant_id, app_id=i.app_id, type=f"reviews.review_item.{action}",
                  entity_type=ReviewItem._meta.label, entity_id=i.pk, actor_id=actor.person_id,
                  payload=events.record_payload(i)) for i in items]
    Event.objects.bulk_create(rows, batch_size=BATCH)
    for event, item in zip(rows, items):
        events.event_emitted.send(sender=ReviewItem, event=event, obj=item, action=action, actor=actor)
        transaction.on_commit(lambda event=event: events.send_committed(event))


@transaction.atomic
def review_campaign_keep_low_risk(*, actor: Principal, review_campaign: ReviewCampaign, comment: str) -> int:
    """Keep every undecided low-risk item the actor reviews in this campaign, with one reason; items the
    actor may not decide (they hold or lately approved the access) are left for the owner. Returns how many."""
    comment = (comment or "").strip()
    if not comment:
        from django.core.exceptions import ValidationError

        raise ValidationError({"comment": "Say why these accesses are still needed."})
    campaign = ReviewCampaign.objects.select_for_update().get(pk=review_campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(f"The campaign is {campaign.get_status_display().lower()}: its decisions are final.")
    me = actor.person_id
    items = list(ReviewItem.objects.select_for_update().filter(
        campaign=campaign, reviewer_id=me, status=ItemStatus.PENDING, risk="low").exclude(holder_id=me))
    held = {e for e, p in holders_of(campaign.tenant_id, {i.entitlement_id for i in items}) if p == me}
    approved = recent_approvers(campaign.tenant_id, [i.grant_id for i in items], since=cooldown_start(campaign.tenant_id))
    items = [i for i in items if i.entitlement_id not in held and me not in approved.get(i.grant_id, ())]
    now = timezone.now()
    for item in items:
        item.status, item.decision_reason, item.decided_by_id, item.decided_at = ItemStatus.KEPT, comment, me, now
        item.updated_at, item.updated_by, item.source_type = now, me, actor.source_type
    bulk_update_with_history(items, ReviewItem, ["status", "decision_reason", "decided_by_id", "decided_at",
                                                 "updated_at", "updated_by", "source_type"],
                             batch_size=BATCH, default_user=actor, default_change_reason="kept (bulk, low risk)")
    _bulk_events(items, "kept", actor)
    move_tallies(campaign.pk, items, to="kept")
    return len(items)


# -- revokes through the connectors ---------------------------------------------------------------------
def queue_revokes(items) -> int:
    """Hand the grants of these revoked items to their connectors (as an expiry does: the provisioning
    engine removes and reads back). A grant already gone is recorded as such. Set-based: subqueries,
    never a list of ids, whatever the campaign's size."""
    now = timezone.now()
    waiting = items.filter(status=ItemStatus.REVOKED, revoke_state=RevokeState.WAITING)
    live = AccessRequest.objects.filter(pk__in=waiting.values("grant_id"), status=AccessStatus.PROVISIONED)
    live_ids = list(live.values_list("pk", flat=True))
    live.exclude(provisioning_op=ProvisioningOp.REVOKE).update(
        provisioning_op=ProvisioningOp.REVOKE, provisioning_attempts=0, provisioning_error="",
        provisioning_next_attempt_at=now + FALLBACK)
    for grant_id in live_ids:
        provisioning_enqueue(grant_id)
    gone = waiting.exclude(grant__status=AccessStatus.PROVISIONED)
    for row in gone.values("campaign_id").annotate(n=Count("pk")):
        ReviewCampaign.objects.filter(pk=row["campaign_id"]).update(revokes_done=F("revokes_done") + row["n"])
    gone.update(revoke_state=RevokeState.DONE, revoke_confirmed_at=now, revoke_note="The grant had already ended.",
                updated_at=now)
    return waiting.update(revoke_state=RevokeState.QUEUED, updated_at=now)


def revoke_confirmed(grant: AccessRequest, actor) -> int:
    """The provisioning engine confirmed a grant's removal (its `revoked` event, in its transaction):
    the review items that asked for it are done, with the target's word."""
    items = list(ReviewItem.objects.select_for_update().filter(
        grant_id=grant.pk, revoke_state__in=(RevokeState.QUEUED, RevokeState.FAILED)))
    now = timezone.now()
    for item in items:
        was_failed = item.revoke_state == RevokeState.FAILED
        item.revoke_state, item.revoke_confirmed_at = RevokeState.DONE, now
        item.revoke_note = f"Removed in the target, confirmed by read-back ({grant.entitlement_type})."
        item.updated_at = now
        item._history_user = actor
        item.save(update_fields=["revoke_state", "revoke_confirmed_at", "revoke_note", "updated_at"])
        change = {"revokes_done": F("revokes_done") + 1}
        if was_failed:
            change["revokes_failed"] = F("revokes_failed") - 1
        ReviewCampaign.objects.filter(pk=item.campaign_id).update(**change)
        events.emit(obj=item, action="revoke_done", actor=actor)
    return len(items)


def revoke_failures(*, limit: int = 1000) -> int:
    """Queued revokes whose connector reported an error: failed (the engine keeps retrying them)."""
    failing = list(ReviewItem.objects.filter(revoke_state=RevokeState.QUEUED).filter(
        grant__provisioning_error__gt="").select_related("grant")[:limit])
    for item in failing:
        with transaction.atomic():
            if not ReviewItem.objects.filter(pk=item.pk, revoke_state=RevokeState.QUEUED).update(
                    revoke_state=RevokeState.FAILED, revoke_note=item.grant.provisioning_error[:2000],
                    updated_at=timezone.now()):
                continue
            ReviewCampaign.objects.filter(pk=item.campaign_id).update(revokes_failed=F("revokes_failed") + 1)
            item.refresh_from_db()
            events.emit(obj=item, action="revoke_failed", actor=system_principal(item.tenant_id))
    return len(failing)


# -- close -----------------------------------------------------------------------------------------------
def settle_unanswered(*, actor: Principal, campaign: ReviewCampaign) -> int:
    """The campaign's rule for the items nobody decided: revoked, or recorded as unanswered."""
    pending = list(ReviewItem.objects.select_for_update().filter(campaign=campaign, status=ItemStatus.PENDING))
    now = timezone.now()
    revoke = campaign.unanswered_rule == UnansweredRule.REVOKE
    for item in pending:
        item.status = ItemStatus.REVOKED if revoke else ItemStatus.UNANSWERED
        item.revoke_state = RevokeState.WAITING if revoke else RevokeState.NONE
        item.decision_reason = ("Not decided by the close of the campaign: revoked by the campaign's rule." if revoke
                                else "Not decided by the close of the campaign, after escalation to its owner.")
        item.decided_by_id, item.decided_at, item.updated_at, item.updated_by = None, now, now, actor.person_id
    bulk_update_with_history(pending, ReviewItem, ["status", "revoke_state", "decision_reason", "decided_by_id",
                                                   "decided_at", "updated_at", "updated_by"],
                             batch_size=BATCH, default_user=actor, default_change_reason="unanswered at close")
    _bulk_events([i for i in pending if revoke], "revoked", actor)
    move_tallies(campaign.pk, pending, to="revoked" if revoke else "unanswered")
    return len(pending)


# -- the sweep: reminders, escalation, the due date, revoke failures ----------------------------------------
def _emit_campaign(campaign, action: str, **extra) -> None:
    payload = {**events.record_payload(campaign), **extra}
    events.emit(obj=campaign, action=action, actor=system_principal(campaign.tenant_id), payload=payload)


def reviewers_behind(campaign) -> int:
    return ReviewTally.objects.filter(campaign=campaign, dimension=ReviewTally.REVIEWER).filter(
        total__gt=F("kept") + F("revoked") + F("unanswered")).count()


def reviews_sweep(*, now=None) -> dict:
    """Run by the scheduler: each slot of each open campaign once (compare-and-set on its stamp)."""
    from .actions import review_campaign_close

    now = now or timezone.now()
    done = Counter()
    for campaign in ReviewCampaign.objects.filter(status=CampaignStatus.OPEN).order_by("due_at"):
        with transaction.atomic():
            if (campaign.reminded_at is None and now >= campaign.due_at - timedelta(days=campaign.remind_days_before)
                    and ReviewCampaign.objects.filter(pk=campaign.pk, reminded_at__isnull=True).update(reminded_at=now)):
                campaign.refresh_from_db()
                if campaign.items_pending:
                    _emit_campaign(campaign, "reminder", reviewers=reviewers_behind(campaign))
                    done["reminded"] += 1
        with transaction.atomic():
            if (campaign.escalated_at is None and now >= campaign.due_at - timedelta(days=campaign.escalate_days_before)
                    and ReviewCampaign.objects.filter(pk=campaign.pk, escalated_at__isnull=True).update(escalated_at=now)):
                campaign.refresh_from_db()
                if campaign.items_pending:
                    _emit_campaign(campaign, "escalated", pending=campaign.items_pending, reassigned=False)
                    done["escalated"] += 1
        if now < campaign.due_at:
            continue
        actor = system_principal(campaign.tenant_id)
        if campaign.unanswered_rule == UnansweredRule.REVOKE:
            review_campaign_close(actor=actor, review_campaign=campaign, comment="Due date reached")
            done["closed"] += 1
        elif campaign.items_reassigned_at is None:
            with transaction.atomic():
                if ReviewCampaign.objects.filter(pk=campaign.pk, items_reassigned_at__isnull=True).update(
                        items_reassigned_at=now):
                    moved = escalate_to_owner(campaign)
                    campaign.refresh_from_db()
                    _emit_campaign(campaign, "escalated", pending=campaign.items_pending, reassigned=True)
                    done["reassigned"] += moved
    done["revoke_failures"] = revoke_failures()
    return dict(done)


def escalate_to_owner(campaign: ReviewCampaign) -> int:
    """Past the due date with the rule 'escalate': undecided items wait on the campaign owner (items of
    the owner's own access stay where they are: nobody reviews their own access)."""
    items = list(ReviewItem.objects.select_for_update().filter(campaign=campaign, status=ItemStatus.PENDING)
                 .exclude(reviewer_id=campaign.owner_id).exclude(holder_id=campaign.owner_id)
                 .exclude(routed_because=RoutedBecause.UNASSIGNED))  # the owner may not take those
    moved = Counter(i.reviewer_id for i in items)
    now = timezone.now()
    for item in items:
        item.routing_note = f"Escalated from {item.reviewer_id} past the due date."
        item.reviewer_id, item.routed_because, item.updated_at = campaign.owner_id, "escalated", now
    bulk_update_with_history(items, ReviewItem, ["reviewer_id", "routed_because", "routing_note", "updated_at"],
                             batch_size=BATCH, default_change_reason="escalated to the campaign owner")
    if items:
        reassign_tallies(campaign, moved, campaign.owner_id)
    return len(items)


# -- progress ----------------------------------------------------------------------------------------------
def progress_rows(campaign: ReviewCampaign, dimension: str, *, limit: int = 50) -> list[ReviewTally]:
    """The campaign's tallies of one dimension, behind first (one indexed read of at most `limit` rows)."""
    return list(ReviewTally.objects.filter(campaign=campaign, dimension=dimension)
                .annotate(behind=F("total") - F("kept") - F("revoked") - F("unanswered"))
                .order_by("-behind", "key")[:limit])


def recount(campaign: ReviewCampaign) -> None:
    """Counts the tallies again from the items (a repair tool: `manage.py reviews_sweep --recount`)."""
    for dimension, field in ((ReviewTally.REVIEWER, "reviewer_id"), (ReviewTally.SYSTEM, "system_id")):
        for row in ReviewItem.objects.filter(campaign=campaign).values(field).annotate(
                total=Count("pk"), kept=Count("pk", filter=Q(status="kept")),
                revoked=Count("pk", filter=Q(status="revoked")), unanswered=Count("pk", filter=Q(status="unanswered"))):
            ReviewTally.objects.filter(campaign=campaign, dimension=dimension, key=row[field]).update(
                total=row["total"], kept=row["kept"], revoked=row["revoked"], unanswered=row["unanswered"])
