"""Demo approval chains and requests (idempotent)."""
from apps.core import services as core
from apps.core.principal import Principal

from .models import ApprovalChain, ApprovalRequest
from .services import approval_request_create, approval_request_submit, approval_step_approve


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if ApprovalChain.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    core.record_create(actor=actor, obj=ApprovalChain(name="Access to production systems", entity_type="AccessRequest",
                                                      approver_ids=[people["approver"], people["admin"]], due_in_hours=72))
    member = Principal(person_id=people["member"], tenant_id=tenant.id, source_type="system")
    approver = Principal(person_id=people["approver"], tenant_id=tenant.id, roles=frozenset({"approver"}), source_type="system")
    draft = approval_request_create(actor=member, data={"title": "Conference budget 2027", "entity_type": "Budget",
                                                        "approver_ids": [people["approver"], people["admin"]]})
    waiting = approval_request_create(actor=member, data={"title": "New vendor: Initech", "entity_type": "Vendor",
                                                          "approver_ids": [people["approver"], people["hr"]]})
    approval_request_submit(actor=member, approval_request=waiting)
    moving = approval_request_create(actor=member, data={"title": "Laptop upgrade policy", "entity_type": "Proposal",
                                                         "approver_ids": [people["approver"], people["admin"]]})
    approval_request_submit(actor=member, approval_request=moving)
    approval_step_approve(actor=approver, approval_step=moving.steps.get(step_index=0), comment="Fine by me")
    return f"1 chain, {ApprovalRequest.objects.filter(tenant_id=tenant.id).count()} approval requests (draft {draft.id})"
