"""Approvals writes, one map per model (apps/core/actions.py); the functions are the engine's, in services.py."""
from apps.core.actions import Actions

from .models import ApprovalChain, ApprovalRequest, ApprovalRule, ApprovalStep
from .services import (
    approval_chain_create, approval_chain_update, approval_rule_create, approval_rule_update, approval_request_approve, approval_request_cancel,
    approval_request_create, approval_request_expire, approval_request_reject, approval_request_submit,
    approval_step_activate, approval_step_approve, approval_step_delegate, approval_step_reject, approval_step_reroute,
    approval_step_skip,
)

APPROVAL_CHAIN_ACTIONS = Actions(ApprovalChain, create=approval_chain_create, update=approval_chain_update)
APPROVAL_REQUEST_ACTIONS = Actions(ApprovalRequest, create=approval_request_create, transitions=(
    approval_request_submit, approval_request_cancel, approval_request_approve, approval_request_reject,
    approval_request_expire))
APPROVAL_STEP_ACTIONS = Actions(ApprovalStep, transitions=(
    approval_step_activate, approval_step_approve, approval_step_reject, approval_step_delegate, approval_step_reroute,
    approval_step_skip))
APPROVAL_RULE_ACTIONS = Actions(ApprovalRule, create=approval_rule_create, update=approval_rule_update)
