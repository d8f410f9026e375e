"""Access review actions: one function per change, listed in one map per model (apps/core/actions.py)."""
from django.db import transaction

from apps.core import services as core
from apps.core.actions import Actions, action
from apps.core.exceptions import Conflict
from apps.core.principal import Principal

from .api.serializers import DecisionBody
from .choices import RevokeState
from .models import ReviewCampaign, ReviewItem, ReviewSettings
from .services import after_decision, create_items, queue_revokes, settle_unanswered

# -- campaigns ---------------------------------------------------------------------------------------------


@action(ReviewCampaign, "launch")
@transaction.atomic
def review_campaign_launch(*, actor: Principal, review_campaign: ReviewCampaign, comment: str = "",
                           if_match: str | None = None) -> ReviewCampaign:
    """Open the campaign: one item per active grant in scope, each routed to its reviewer."""
    campaign = core.record_transition(actor=actor, obj=review_campaign, name="launch", comment=comment,
                                      if_match=if_match)
    create_items(actor=actor, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


@action(ReviewCampaign, "close")
@transaction.atomic
def review_campaign_close(*, actor: Principal, review_campaign: ReviewCampaign, comment: str = "",
                          if_match: str | None = None) -> ReviewCampaign:
    """Decisions become final: undecided items follow the campaign's rule, revokes go to the connectors."""
    campaign = core.record_transition(actor=actor, obj=review_campaign, name="close", comment=comment,
                                      if_match=if_match)
    settle_unanswered(actor=actor, campaign=campaign)
    queue_revokes(ReviewItem.objects.filter(campaign=campaign))
    campaign.refresh_from_db()
    return campaign


@action(ReviewCampaign, "sign_off")
@transaction.atomic
def review_campaign_sign_off(*, actor: Principal, review_campaign: ReviewCampaign, comment: str = "",
                             if_match: str | None = None) -> ReviewCampaign:
    """Sign the campaign off once every revoke is confirmed by its target; attaches the evidence report."""
    from .evidence import attach_evidence

    waiting = ReviewItem.objects.filter(campaign=review_campaign).exclude(
        revoke_state__in=(RevokeState.NONE, RevokeState.DONE)).count()
    if waiting:
        raise Conflict(f"{waiting} revoke(s) are not confirmed by their targets yet: sign off once they are "
                       "(failed ones are retried by the connectors; fix the target or the connector).")
    campaign = core.record_transition(actor=actor, obj=review_campaign, name="sign_off", comment=comment,
                                      params={"actor": actor}, if_match=if_match)
    attach_evidence(actor=actor, campaign=campaign)
    return campaign


REVIEW_CAMPAIGN_ACTIONS = Actions(ReviewCampaign, transitions=(
    review_campaign_launch, review_campaign_close, review_campaign_sign_off))

# -- items -------------------------------------------------------------------------------------------------


@action(ReviewItem, "keep", body=DecisionBody)
@transaction.atomic
def review_item_keep(*, actor: Principal, review_item: ReviewItem, comment: str,
                     if_match: str | None = None) -> ReviewItem:
    """Certify the access, saying why it is still needed."""
    item = core.record_transition(actor=actor, obj=review_item, name="keep", comment=comment,
                                  params={"actor": actor}, if_match=if_match)
    after_decision(item)
    return item


@action(ReviewItem, "revoke", body=DecisionBody)
@transaction.atomic
def review_item_revoke(*, actor: Principal, review_item: ReviewItem, comment: str,
                       if_match: str | None = None) -> ReviewItem:
    """Revoke the access, saying why; the connector removes it at the close (or at once)."""
    item = core.record_transition(actor=actor, obj=review_item, name="revoke", comment=comment,
                                  params={"actor": actor}, if_match=if_match)
    after_decision(item)
    return item


REVIEW_ITEM_ACTIONS = Actions(ReviewItem, transitions=(review_item_keep, review_item_revoke))
REVIEW_SETTINGS_ACTIONS = Actions(ReviewSettings)
DECISIONS = {"keep": review_item_keep, "revoke": review_item_revoke}
