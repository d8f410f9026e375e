"""The policy library's writes, one map per model (apps/core/actions.py); the functions are in services.py."""
from apps.core.actions import Actions

from .models import AcknowledgementCampaign, Policy
from .services import (
    acknowledgement_campaign_close, acknowledgement_campaign_create, acknowledgement_campaign_launch,
    acknowledgement_campaign_update, policy_complete, policy_create, policy_retire, policy_revise, policy_submit,
    policy_update,
)

POLICY_ACTIONS = Actions(Policy, create=policy_create, update=policy_update,
                         transitions=(policy_submit, policy_complete, policy_retire, policy_revise))

ACKNOWLEDGEMENT_CAMPAIGN_ACTIONS = Actions(
    AcknowledgementCampaign, create=acknowledgement_campaign_create, update=acknowledgement_campaign_update,
    transitions=(acknowledgement_campaign_launch, acknowledgement_campaign_close))
