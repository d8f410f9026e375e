"""Approval chains, requests and their steps."""
import factory

from apps.approvals.models import ApprovalChain, ApprovalRequest, ApprovalRule, ApprovalStep

from .base import InTenant, PersonId, PersonIds, TenantRecordFactory, register


@register
class ApprovalChainFactory(TenantRecordFactory):
    """The tenant's approvers for access requests (one directory Person unless `approver_ids=`)."""

    name = factory.Sequence(lambda n: f"Chain {n}")
    entity_type = "AccessRequest"
    approver_ids = PersonIds(1)

    class Meta:
        model = ApprovalChain


@register
class ApprovalRequestFactory(TenantRecordFactory):
    """A free-form draft request of a directory Person; its steps come from ApprovalStepFactory."""

    requested_by_id = PersonId()
    created_by = factory.SelfAttribute("requested_by_id")
    title = factory.Sequence(lambda n: f"Approval {n}")

    class Meta:
        model = ApprovalRequest


def _next_index(step) -> int:
    request = step.approval_request
    return 0 if request._state.adding else request.steps.count()


@register
class ApprovalStepFactory(TenantRecordFactory):
    """The next step of a request (its `total_steps` follows), decided by a directory Person."""

    approval_request = InTenant(ApprovalRequestFactory)
    step_index = factory.LazyAttribute(_next_index)
    approver_id = PersonId()
    created_by = factory.SelfAttribute("approval_request.created_by")

    class Meta:
        model = ApprovalStep

    @classmethod
    def _after_save(cls, obj) -> None:
        request = obj.approval_request
        if request.total_steps <= obj.step_index:
            request.total_steps = obj.step_index + 1
            ApprovalRequest.all_objects.filter(pk=request.pk).update(total_steps=request.total_steps)


@register
class ApprovalRuleFactory(TenantRecordFactory):
    """Routes access requests of high or critical risk to a chain of the tenant."""

    name = factory.Sequence(lambda n: f"Rule {n}")
    entity_type = "AccessRequest"
    risk_in = factory.LazyFunction(lambda: ["high", "critical"])
    chain = InTenant(ApprovalChainFactory)

    class Meta:
        model = ApprovalRule
