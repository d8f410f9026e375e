"""Demo access catalog (idempotent): a manual wiki whose readers the engineers get at once, production
cloud access routed by risk to "the requester's manager, then the owner", and two demo requests."""
from apps.approvals.models import ApprovalChain
from apps.approvals.services import approval_rule_create
from apps.core import services as core
from apps.core.principal import Principal

from .catalog import access_system_create, entitlement_create
from .catalog_models import AccessSystem


def seed_catalog(*, tenant, people: dict, actor: Principal) -> str:
    if AccessSystem.all_objects.filter(tenant_id=tenant.id).exists():
        return "catalog already seeded"
    from apps.operations.services import access_request_create

    it_team, engineering = f"grp_{tenant.id}_it_support", f"grp_{tenant.id}_engineering"
    wiki = access_system_create(actor=actor, data={
        "name": "Team wiki", "description": "Manual system: IT adds people by hand from the task they get.",
        "owner_id": it_team})
    readers = entitlement_create(actor=actor, data={
        "system": wiki, "name": "wiki-readers", "kind": "group", "risk": "low", "description": "Read every space.",
        "auto_approve_group_ids": [engineering]})
    entitlement_create(actor=actor, data={
        "system": wiki, "name": "wiki-editors", "kind": "group", "risk": "medium", "default_duration_days": 180})
    cloud = access_system_create(actor=actor, data={
        "name": "Production cloud", "description": "Manual until a connector is configured.",
        "owner_id": people["it"]})
    entitlement_create(actor=actor, data={
        "system": cloud, "name": "read-only", "kind": "role", "risk": "medium", "max_duration_days": 90,
        "default_duration_days": 30})
    admin_role = entitlement_create(actor=actor, data={
        "system": cloud, "name": "administrator", "kind": "role", "risk": "critical", "max_duration_days": 7,
        "default_duration_days": 1, "owner_id": people["admin"]})
    chain = core.record_create(actor=actor, obj=ApprovalChain(
        name="Manager, then owner", entity_type="AccessRequest", approver_ids=["manager", "owner"], due_in_hours=48))
    approval_rule_create(actor=actor, data={
        "name": "High and critical risk: manager, then owner", "position": 10, "entity_type": "AccessRequest",
        "risk_in": ["high", "critical"], "chain": chain})
    member = Principal(person_id=people["member"], tenant_id=tenant.id, source_type="system")
    mine = {"requester_id": member.person_id, "principal_id": member.person_id, "principal_type": "person",
            "access_type": "new"}
    access_request_create(actor=member, data={**mine, "entitlement": readers,
                                              "justification": "Onboarding: read the runbooks."})
    access_request_create(actor=member, data={**mine, "entitlement": admin_role,
                                              "justification": "Incident 4711: rotate the load balancer certificates."})
    return "2 systems, 4 entitlements, 1 routing rule, 2 catalog requests"
