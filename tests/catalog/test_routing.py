"""Routing by condition: the entitlement's own chain, then the first matching rule by position (risk,
type, amount), then the type's default chain; the "owner" token; auto-approval by group, audited."""
from decimal import Decimal

import pytest

from apps.approvals.models import ApprovalRequest
from apps.core.models import Event
from apps.operations.models import AccessRequest
from tests.catalog.catalog import entitlement, system as open_system
from tests.factories import (
    ApprovalChainFactory, ApprovalRuleFactory, GroupFactory, PersonFactory,
)

pytestmark = pytest.mark.django_db
ACCESS = "/api/v1/operations/access-requests"
EQUIPMENT = "/api/v1/operations/equipment"
STEPS = "/api/v1/approvals/steps"


@pytest.fixture
def people():
    lead = PersonFactory(id="per_lead", tenant_id="acme")
    made = {pid: PersonFactory(id=pid, tenant_id="acme", manager=lead) for pid in
            ("per_owner", "per_sec", "per_cfo", "per_ann", "per_bob", "per_req")}
    return {**made, "per_lead": lead}


@pytest.fixture
def chains(people):
    """Chains of access requests and of equipment; the newest of a type that no rule picks is its default."""
    return {
        "security": ApprovalChainFactory(tenant_id="acme", name="Security", approver_ids=["manager", "owner", "per_sec"]),
        "owner": ApprovalChainFactory(tenant_id="acme", name="Owner", approver_ids=["owner"]),
        "default": ApprovalChainFactory(tenant_id="acme", name="Default", approver_ids=["manager"]),
        "equipment_default": ApprovalChainFactory(tenant_id="acme", name="Equipment", entity_type="Equipment",
                                                  approver_ids=["manager"]),
        "cfo": ApprovalChainFactory(tenant_id="acme", name="CFO", entity_type="Equipment", approver_ids=["per_cfo"]),
    }


def file_access(caller, entitlement, who="per_req"):
    response = caller("acme", who).post(ACCESS, {"access_type": "new", "justification": "Incident duty",
                                                  "entitlement_id": entitlement.pk}, format="json")
    assert response.status_code == 201, response.content
    return AccessRequest.objects.get(pk=response.json()["id"])


def approval_of(record) -> ApprovalRequest:
    return ApprovalRequest.objects.get(entity_id=record.pk)


def deciders(approval) -> list[str]:
    return [s.approver_id or s.approver_group_id for s in approval.steps.order_by("step_index")]


def test_without_rules_the_default_chain_applies(caller, chains):
    approval = approval_of(file_access(caller, entitlement(tenant_id="acme", system__owner_id="per_owner")))
    assert approval.chain == chains["default"] and approval.routed_by == "default" and approval.rule is None
    assert deciders(approval) == ["per_lead"]


def test_the_first_matching_rule_by_position_picks_the_chain(caller, chains):
    ApprovalRuleFactory(tenant_id="acme", name="Owner for medium", position=20, risk_in=["medium", "high"],
                        chain=chains["owner"])
    security = ApprovalRuleFactory(tenant_id="acme", name="Security for high", position=10, risk_in=["high", "critical"],
                                   chain=chains["security"])
    ApprovalRuleFactory(tenant_id="acme", name="Inactive first", position=1, risk_in=["high"], chain=chains["owner"],
                        is_active=False)
    high = entitlement(tenant_id="acme", risk="high", system__owner_id="per_owner")
    approval = approval_of(file_access(caller, high))
    assert (approval.routed_by, approval.rule, approval.chain) == ("rule", security, chains["security"])
    assert deciders(approval) == ["per_lead", "per_owner", "per_sec"]  # manager, then owner, then security
    created = Event.objects.get(type="approvals.request.created", entity_id=approval.pk)
    assert created.payload["rule_id"] == security.pk and created.payload["routed_by"] == "rule"

    medium = approval_of(file_access(caller, entitlement(tenant_id="acme", risk="medium", owner_id="per_ann",
                                                                owner_type="person")))
    assert medium.rule.name == "Owner for medium" and deciders(medium) == ["per_ann"]  # the entitlement's own owner
    low = approval_of(file_access(caller, entitlement(tenant_id="acme", risk="low")))
    assert low.routed_by == "default" and low.chain == chains["default"]


def test_the_entitlements_own_chain_overrides_the_rules(caller, chains):
    ApprovalRuleFactory(tenant_id="acme", position=1, risk_in=["critical"], chain=chains["security"])
    ent = entitlement(tenant_id="acme", risk="critical", approval_chain=chains["owner"],
                             system__owner_id="per_owner")
    approval = approval_of(file_access(caller, ent))
    assert (approval.routed_by, approval.rule, approval.chain) == ("entitlement", None, chains["owner"])
    assert deciders(approval) == ["per_owner"]


def test_an_entitlements_own_chain_is_never_the_default(caller, chains):
    """The newest chain, but an entitlement's: other requests keep the type's default."""
    own = ApprovalChainFactory(tenant_id="acme", name="Chat admins only", approver_ids=["per_ann"])
    entitlement(tenant_id="acme", risk="low", approval_chain=own)
    approval = approval_of(file_access(caller, entitlement(tenant_id="acme", risk="low", system__owner_id="per_owner")))
    assert approval.routed_by == "default" and approval.chain == chains["default"]


def test_an_owner_group_step_is_decided_by_any_member_but_the_requester(caller, chains, people):
    team = GroupFactory(tenant_id="acme", display_name="Platform", members=[people["per_ann"], people["per_req"]])
    ent = entitlement(tenant_id="acme", risk="high", system=open_system(
        tenant_id="acme", owner_id=team.pk, owner_type="group"))
    ApprovalRuleFactory(tenant_id="acme", risk_in=["high"], chain=chains["owner"])
    approval = approval_of(file_access(caller, ent))
    step = approval.steps.get()
    assert step.approver_group_id == team.pk
    assert step.eligible_deciders() == ["per_ann"]
    own = caller("acme", "per_req", ("approver",)).post(f"{STEPS}/{step.pk}/approve", format="json")
    assert own.status_code == 403  # segregation of duties, unchanged
    ok = caller("acme", "per_ann", ("approver",)).post(f"{STEPS}/{step.pk}/approve", format="json")
    assert ok.status_code == 200, ok.content
    assert AccessRequest.objects.get(pk=approval.entity_id).status == "approved"


def test_an_owner_who_is_the_requester_cannot_approve(caller, chains):
    ApprovalRuleFactory(tenant_id="acme", risk_in=["high"], chain=chains["owner"])
    ent = entitlement(tenant_id="acme", risk="high", owner_id="per_req", owner_type="person")
    response = caller("acme", "per_req").post(ACCESS, {"access_type": "new", "justification": "x",
                                                       "entitlement_id": ent.pk}, format="json")
    assert response.status_code == 400 and "owner" in str(response.json())
    assert not AccessRequest.objects.exists() and not ApprovalRequest.objects.exists()


def test_cost_thresholds_route_equipment(caller, chains):
    ApprovalRuleFactory(tenant_id="acme", name="CFO above 5000", entity_type="Equipment", risk_in=[],
                        amount_at_least=Decimal("5000"), chain=chains["cfo"])

    def file(cost):
        response = caller("acme", "per_req").post(EQUIPMENT, {"equipment_type": "laptop", "specification": "x",
                                                               "cost": cost}, format="json")
        assert response.status_code == 201, response.content
        return ApprovalRequest.objects.get(entity_id=response.json()["id"])

    big, edge, small = file("7200.00"), file("5000.00"), file("1200.00")
    assert deciders(big) == deciders(edge) == ["per_cfo"] and big.rule.name == "CFO above 5000"
    assert small.routed_by == "default" and deciders(small) == ["per_lead"]


def test_a_rule_is_refused_when_its_conditions_do_not_fit_its_type(chains):
    from django.core.exceptions import ValidationError

    from apps.approvals.models import ApprovalRule

    with pytest.raises(ValidationError) as risk:
        ApprovalRule(tenant_id="acme", name="x", entity_type="Equipment", risk_in=["high"], chain=chains["cfo"]).full_clean()
    assert "risk_in" in risk.value.message_dict
    with pytest.raises(ValidationError) as chain:
        ApprovalRule(tenant_id="acme", name="x", entity_type="Travel", chain=chains["cfo"]).full_clean()
    assert "chain" in chain.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        ApprovalRule(tenant_id="acme", name="x", risk_in=["extreme"], chain=chains["cfo"]).full_clean()
    assert "risk_in" in unknown.value.message_dict


def test_a_member_of_an_auto_approve_group_is_approved_by_the_rule(caller, chains, people):
    staff = GroupFactory(tenant_id="acme", display_name="Engineering", members=[people["per_req"]])
    ent = entitlement(tenant_id="acme", name="wiki-readers", risk="low", auto_approve_group_ids=[staff.pk],
                             system__owner_id="per_owner")
    record = file_access(caller, ent)
    assert record.status == "approved" and record.approver_id == "system"
    assert not ApprovalRequest.objects.filter(entity_id=record.pk).exists()
    event = Event.objects.get(type="operations.access_request.auto_approved", entity_id=record.pk)
    assert event.actor_id == "system"
    assert (event.payload["entitlement_id"], event.payload["group_id"]) == (ent.pk, staff.pk)
    approved = Event.objects.get(type="operations.access_request.approved", entity_id=record.pk)
    assert approved.actor_id == "system"
    change = record.history.order_by("-history_date").first()
    assert change.history_user_id == "system" and "Approved by rule" in change.history_change_reason


def test_no_auto_approval_for_non_members_or_the_owner(caller, chains, people):
    staff = GroupFactory(tenant_id="acme", display_name="Engineering", members=[people["per_req"], people["per_owner"]])
    ent = entitlement(tenant_id="acme", risk="low", auto_approve_group_ids=[staff.pk],
                             system__owner_id="per_owner")
    outsider = file_access(caller, ent, who="per_bob")
    assert outsider.status == "pending" and approval_of(outsider).routed_by == "default"
    owner = file_access(caller, ent, who="per_owner")
    assert owner.status == "pending"
    assert not Event.objects.filter(type="operations.access_request.auto_approved").exists()


def test_rules_of_another_tenant_do_not_route(caller, chains):
    theirs = ApprovalChainFactory(tenant_id="globex", approver_ids=["per_x"])
    ApprovalRuleFactory(tenant_id="globex", position=0, risk_in=["high"], chain=theirs)
    approval = approval_of(file_access(caller, entitlement(tenant_id="acme", risk="high")))
    assert approval.routed_by == "default"
