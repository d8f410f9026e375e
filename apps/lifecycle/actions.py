"""Lifecycle writes, one map per model (apps/core/actions.py). Cases and items are the engine's
(apps/lifecycle/offboarding.py, reactions.py, closing.py); a person acts only by resolving a flagged item."""
from apps.core.actions import Actions, action, transition_action
from apps.core import services as core
from apps.core.principal import Principal

from .models import (
    BirthrightRule, LifecycleSettings, OffboardingCase, OffboardingItem, OnboardingChecklist, PlannedLeave, ScheduledRevoke,
)



offboarding_case_close = transition_action(OffboardingCase, "close")
offboarding_case_stop = transition_action(OffboardingCase, "stop")
offboarding_item_complete = transition_action(OffboardingItem, "complete")
offboarding_item_fail = transition_action(OffboardingItem, "fail")
offboarding_item_flag = transition_action(OffboardingItem, "flag")
offboarding_item_cancel = transition_action(OffboardingItem, "cancel")


@action(OffboardingItem, "resolve")
def offboarding_item_resolve(*, actor: Principal, offboarding_item: OffboardingItem, comment: str,
                             if_match: str | None = None) -> OffboardingItem:
    """An admin settled a flagged item (chose a new owner, delegated the step): the case may close."""
    from .closing import case_close_if_done

    item = core.record_transition(actor=actor, obj=offboarding_item, name="resolve", comment=comment,
                                  if_match=if_match, params={"actor": actor})
    case_close_if_done(case_id=item.case_id)
    return item


OFFBOARDING_CASE_ACTIONS = Actions(OffboardingCase, transitions=(offboarding_case_close, offboarding_case_stop))
OFFBOARDING_ITEM_ACTIONS = Actions(OffboardingItem, transitions=(
    offboarding_item_complete, offboarding_item_fail, offboarding_item_flag, offboarding_item_resolve,
    offboarding_item_cancel))
PLANNED_LEAVE_ACTIONS = Actions(PlannedLeave)
LIFECYCLE_SETTINGS_ACTIONS = Actions(LifecycleSettings)
BIRTHRIGHT_RULE_ACTIONS = Actions(BirthrightRule)
ONBOARDING_CHECKLIST_ACTIONS = Actions(OnboardingChecklist)
SCHEDULED_REVOKE_ACTIONS = Actions(ScheduledRevoke)
