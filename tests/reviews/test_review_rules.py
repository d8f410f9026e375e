"""Who reviews what, and who may not: asserted in the database."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.directory.models import Person
from apps.core.exceptions import Conflict, Forbidden
from apps.core.principal import Principal
from apps.operations.models import AccessRequest
from apps.reviews.actions import (
    review_campaign_close,
    review_campaign_launch,
    review_item_keep,
    review_item_revoke,
)
from apps.reviews.models import ReviewCampaign, ReviewItem, ReviewSettings, ReviewTally
from apps.reviews.services import review_campaign_keep_low_risk, reviews_sweep
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)

from . import world

pytestmark = pytest.mark.django_db


class TestReviewCampaignResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                                 StampTests):
    model = ReviewCampaign
    not_covered = {
        "StateMachineTests": "launching needs grants in scope, keep and revoke the item's reviewer and an open "
                             "campaign: this module drives them through those rules",
    }


class TestReviewItemResource(TenantIsolationTests, QueryCountTests, RenderingTests, StampTests):
    model = ReviewItem
    not_covered = {
        "StateMachineTests": "launching needs grants in scope, keep and revoke the item's reviewer and an open "
                             "campaign: this module drives them through those rules",
    }


def who(person_id, roles=()):
    return Principal(person_id=person_id, tenant_id="acme", roles=frozenset(roles))


OWNER = who("per_owner", ("it",))


@pytest.fixture
def small():
    staff = world.people("acme", 4, managers=2)
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid", display_name="Olive Owner")
    ents = world.catalog("acme", per_system=2)  # Role 0 low, Role 1 low
    world.grants("acme", staff, ents)
    return {"staff": staff, "ents": ents}


def launch(**fields):
    campaign = world.campaign("acme", **fields)
    return review_campaign_launch(actor=OWNER, review_campaign=campaign)


def test_launch_routes_each_grant_to_the_holders_manager_and_counts_it(small):
    campaign = launch()
    items = ReviewItem.objects.filter(campaign=campaign)
    assert items.count() == 8 == campaign.items_total
    for item in items:
        holder = Person.objects.get(pk=item.holder_id)
        assert item.reviewer_id == holder.manager_id and item.routed_because == "manager"
    tallies = {t.key: t.total for t in ReviewTally.objects.filter(campaign=campaign, dimension="reviewer")}
    assert tallies == {"per_acme_pboss0": 4, "per_acme_pboss1": 4}


def test_a_reviewer_holding_the_grant_or_who_approved_it_lately_is_routed_to_the_owner(small):
    boss = Person.objects.get(pk="per_acme_pboss0")
    ent = small["ents"][0]
    world.grants("acme", [boss], [ent])  # the manager holds Role 0 too
    recent = AccessRequest.objects.filter(requester_id="per_acme_p1", entitlement=small["ents"][1]).get()
    AccessRequest.objects.filter(pk=recent.pk).update(approver_id="per_acme_pboss1", approved_at=timezone.now())
    campaign = launch()
    held = ReviewItem.objects.get(campaign=campaign, holder_id="per_acme_p0", entitlement=ent)
    assert held.reviewer_id == "per_owner" and held.routed_because == "fallback" and "holds" in held.routing_note
    approved = ReviewItem.objects.get(campaign=campaign, grant=recent)
    assert approved.reviewer_id == "per_owner" and "approved" in approved.routing_note
    # the boss's own grant is reviewed by nobody's manager (none): the owner
    own = ReviewItem.objects.get(campaign=campaign, holder_id="per_acme_pboss0")
    assert own.reviewer_id == "per_owner"
    # an old approval (beyond the cool-down) routes normally
    other = ReviewItem.objects.get(campaign=campaign, holder_id="per_acme_p1", entitlement=small["ents"][0])
    assert other.reviewer_id == "per_acme_pboss1"


def test_the_holder_and_a_recent_approver_cannot_decide_and_nothing_changes(small):
    campaign = launch()
    item = ReviewItem.objects.filter(campaign=campaign, holder_id="per_acme_p0").first()
    with pytest.raises(Forbidden, match="own access"):
        review_item_keep(actor=who("per_acme_p0"), review_item=item, comment="mine")
    with pytest.raises(Forbidden, match="someone else"):
        review_item_keep(actor=who("per_acme_pboss1"), review_item=item, comment="not mine")
    AccessRequest.objects.filter(pk=item.grant_id).update(approver_id=item.reviewer_id, approved_at=timezone.now())
    with pytest.raises(Forbidden, match="approved this access"):
        review_item_revoke(actor=who(item.reviewer_id), review_item=item, comment="gone")
    item.refresh_from_db()
    assert item.status == "pending" and item.decided_by_id is None
    ReviewSettings.objects.create(tenant_id="acme", approver_cooldown_days=0)
    AccessRequest.objects.filter(pk=item.grant_id).update(approved_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError):
        review_item_keep(actor=who(item.reviewer_id), review_item=item, comment="  ")
    review_item_keep(actor=who(item.reviewer_id), review_item=item, comment="Still on the team")
    item.refresh_from_db()
    assert (item.status, item.decided_by_id, item.decision_reason) == ("kept", item.reviewer_id, "Still on the team")


def test_bulk_keep_takes_only_the_reviewers_low_risk_items(small):
    ents = world.catalog("acme", per_system=4, name="Other")[2:]  # a medium and a high one on another system
    world.grants("acme", small["staff"], ents)
    campaign = launch()
    kept = review_campaign_keep_low_risk(actor=who("per_acme_pboss0"), review_campaign=campaign, comment="Team tools")
    assert kept == 4
    mine = ReviewItem.objects.filter(campaign=campaign, reviewer_id="per_acme_pboss0")
    assert set(mine.filter(status="kept").values_list("risk", flat=True)) == {"low"}
    assert mine.filter(status="pending").count() == 4 and not mine.exclude(risk="low").filter(status="kept").exists()
    campaign.refresh_from_db()
    assert campaign.items_kept == 4
    tally = ReviewTally.objects.get(campaign=campaign, dimension="reviewer", key="per_acme_pboss0")
    assert (tally.total, tally.kept) == (8, 4)
    assert mine.filter(status="kept").first().history.first().history_change_reason == "kept (bulk, low risk)"


def test_decisions_are_immutable_once_closed_and_the_unanswered_rule_applies(small):
    campaign = launch(unanswered_rule="revoke")
    item = ReviewItem.objects.filter(campaign=campaign, reviewer_id="per_acme_pboss0").first()
    review_item_keep(actor=who("per_acme_pboss0"), review_item=item, comment="Needed")
    closed = review_campaign_close(actor=OWNER, review_campaign=campaign)
    assert closed.status == "closed" and closed.items_kept == 1 and closed.items_revoked == 7
    assert ReviewItem.objects.filter(campaign=campaign, status="revoked", decided_by_id=None).count() == 7
    other = ReviewItem.objects.filter(campaign=campaign, status="revoked").first()
    for decide in (review_item_keep, review_item_revoke):
        with pytest.raises((Forbidden, Conflict)):
            decide(actor=who(other.reviewer_id), review_item=other, comment="too late")
    item.refresh_from_db()
    assert item.status == "kept"


def test_the_sweep_reminds_escalates_and_moves_unanswered_items_to_the_owner(small):
    from apps.core.models import Event

    campaign = launch(remind_days_before=3, escalate_days_before=1)
    due = campaign.due_at
    assert reviews_sweep(now=due - timedelta(days=5)).get("reminded") is None
    assert reviews_sweep(now=due - timedelta(days=2))["reminded"] == 1
    assert reviews_sweep(now=due - timedelta(days=2)).get("reminded") is None  # once
    assert reviews_sweep(now=due - timedelta(hours=2))["escalated"] == 1
    done = reviews_sweep(now=due + timedelta(minutes=1))
    assert done["reassigned"] == 8
    assert set(ReviewItem.objects.filter(campaign=campaign).values_list("reviewer_id", flat=True)) == {"per_owner"}
    assert ReviewTally.objects.get(campaign=campaign, dimension="reviewer", key="per_owner").total == 8
    types = list(Event.objects.filter(entity_id=campaign.pk).values_list("type", flat=True))
    assert types.count("reviews.review_campaign.reminder") == 1 and types.count("reviews.review_campaign.escalated") == 2


def test_another_tenants_campaign_is_not_found(small, caller):
    campaign = launch()
    globex = caller("globex", "per_admin_b", ("admin",))
    assert globex.get(f"/api/v1/reviews/campaigns/{campaign.pk}").status_code == 404
    item = ReviewItem.objects.filter(campaign=campaign).first()
    assert globex.post(f"/api/v1/reviews/items/{item.pk}/keep", {"comment": "x"}, format="json").status_code == 404
    item.refresh_from_db()
    assert item.status == "pending"


def test_revoke_at_once_hands_the_grant_to_its_connector_in_the_decision(small):
    ReviewSettings.objects.create(tenant_id="acme", revoke_at_once=True)
    campaign = launch()
    item = ReviewItem.objects.filter(campaign=campaign, reviewer_id="per_acme_pboss0").first()
    review_item_revoke(actor=who("per_acme_pboss0"), review_item=item, comment="Left the team")
    item.refresh_from_db()
    grant = AccessRequest.objects.get(pk=item.grant_id)
    assert item.revoke_state == "queued" and grant.provisioning_op == "revoke"
    assert grant.status == "provisioned"  # gone only when the target confirms it


def test_campaigns_over_the_api_follow_the_rules(small, caller):
    it = caller("acme", "per_owner", ("it",))
    due = (timezone.now() + timedelta(days=7)).isoformat()
    bad = it.post("/api/v1/reviews/campaigns", {"name": "Q", "owner_id": "per_owner", "due_at": "2001-01-01T00:00:00Z"},
                  format="json")
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    from apps.integration.catalog_models import Entitlement

    foreign = world.catalog("globex", per_system=1)[0]
    assert Entitlement.objects.filter(pk=foreign.pk).exists()
    other = it.post("/api/v1/reviews/campaigns", {"name": "Q", "owner_id": "per_owner", "due_at": due,
                                                   "entitlement": foreign.pk}, format="json")
    assert other.status_code == 400
    made = it.post("/api/v1/reviews/campaigns", {"name": "Q", "owner_id": "per_owner", "due_at": due,
                                                  "min_risk": "low"}, format="json")
    assert made.status_code == 201, made.content
    launched = it.post(f"/api/v1/reviews/campaigns/{made.json()['id']}/launch", {}, format="json")
    assert launched.status_code == 200 and launched.json()["items_total"] == 8
    member = caller("acme", "per_acme_p0")
    assert member.get(f"/api/v1/reviews/campaigns/{made.json()['id']}").status_code == 404
    assert member.post(f"/api/v1/reviews/campaigns/{made.json()['id']}/launch", {}, format="json").status_code == 404
    assert ReviewCampaign.objects.filter(tenant_id="acme").count() == 1


def test_sign_off_waits_for_revokes_and_attaches_the_evidence(small):
    import csv
    import io

    from apps.files.models import Attachment
    from apps.files.services import file_storage
    from apps.reviews.actions import review_campaign_sign_off

    campaign = launch(unanswered_rule="revoke")
    closed = review_campaign_close(actor=OWNER, review_campaign=campaign)
    with pytest.raises(Conflict, match="not confirmed"):  # 8 removals still with the (manual) system
        review_campaign_sign_off(actor=OWNER, review_campaign=closed)
    ReviewItem.objects.filter(campaign=campaign).update(revoke_state="done")
    signed = review_campaign_sign_off(actor=OWNER, review_campaign=closed)
    assert signed.status == "signed_off" and signed.signed_off_by_id == "per_owner"
    files = {a.filename.rsplit(".", 1)[1]: a for a in Attachment.objects.filter(record_id=campaign.pk)}
    with file_storage().open(files["csv"].storage_name) as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode())))
    assert len(rows) == 8 and {r["Decision"] for r in rows} == {"Revoked"}


def test_when_the_owner_conflicts_too_the_owners_manager_reviews_else_admins_decide_unassigned_items(small):
    from apps.notifications.engine import fan_out
    from apps.notifications.models import Notification
    from tests.factories import StaffMembershipFactory

    Person.objects.create(tenant_id="acme", id="per_chief", user_name="chief@acme.invalid", display_name="Chief")
    Person.objects.filter(pk="per_owner").update(manager_id="per_chief")
    StaffMembershipFactory(tenant__id="acme", roles=["admin"], person_id="per_root", user__email="root@acme.invalid")
    both, all_three = small["ents"]
    people = {p.pk: p for p in Person.objects.filter(pk__in=["per_acme_pboss0", "per_owner", "per_chief"])}
    world.grants("acme", [people["per_acme_pboss0"], people["per_owner"]], [both])  # manager and owner hold Role 0
    world.grants("acme", list(people.values()), [all_three])  # and the owner's manager holds Role 1 too
    campaign = launch()

    to_chief = ReviewItem.objects.get(campaign=campaign, holder_id="per_acme_p0", entitlement=both)
    assert (to_chief.reviewer_id, to_chief.routed_because) == ("per_chief", "owner_manager")
    assert "the campaign owner holds this access too" in to_chief.routing_note
    nobody = ReviewItem.objects.get(campaign=campaign, holder_id="per_acme_p0", entitlement=all_three)
    assert (nobody.reviewer_id, nobody.routed_because) == ("", "unassigned")
    assert "the campaign owner's manager holds this access too" in nobody.routing_note
    unassigned = ReviewItem.objects.filter(campaign=campaign, routed_because="unassigned").count()
    assert ReviewTally.objects.get(campaign=campaign, dimension="reviewer", key="").total == unassigned

    fan_out()
    flagged = Notification.objects.get(event_type="reviews.review_campaign.unassigned")
    assert flagged.recipient_id == "per_root" and f"{unassigned} item(s)" in flagged.text_body

    for person_id in ("per_acme_pboss1", "per_chief"):  # not theirs; holds it
        with pytest.raises(Forbidden):
            review_item_keep(actor=who(person_id), review_item=nobody, comment="not mine")
    review_item_keep(actor=who("per_root", ("admin",)), review_item=nobody, comment="Still needed")
    nobody.refresh_from_db()
    assert (nobody.status, nobody.decided_by_id) == ("kept", "per_root")
    assert reviews_sweep(now=campaign.due_at + timedelta(minutes=1))["reassigned"] >= 0
    assert ReviewItem.objects.filter(campaign=campaign, routed_because="unassigned", reviewer_id="").count() == unassigned
