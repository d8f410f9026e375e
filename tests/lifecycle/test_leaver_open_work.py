"""A leaver's work not yet active and access not yet held: when the case opens, a later step the leaver
was to decide is delegated ahead (its delegate is queued when it activates); the leaver's own open
requests are cancelled with the reason; access approved for them but not started is withdrawn before it
reaches the target; access being provisioned is handed back for removal as soon as the target confirms it."""
import pytest

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit, approval_step_approve
from apps.directory.services import person_deactivate
from apps.core.principal import Principal
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.lifecycle.models import OffboardingCase
from apps.notifications.engine import fan_out
from apps.notifications.models import Notification
from apps.operations.actions import access_request_confirm_provisioning
from apps.operations.models import AccessRequest, Pending
from apps.operations.provisioning import provisioning_sweep
from tests.factories import PersonFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
DIRECTORY_ADMIN = Principal(person_id="per_root", tenant_id="acme", roles=frozenset({"admin"}), source_type="frontend")


def approver(username: str, **person) -> str:
    return StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username=username,
                                  user__email=f"{username}@acme.invalid", person_id__id=f"per_{username}",
                                  person_id__manager_id=person.get("manager_id"), roles=["approver"]).person_id


def access(person_id: str, entitlement: Entitlement, status: str) -> AccessRequest:
    return AccessRequest.objects.create(
        tenant_id="acme", requester_id=person_id, principal_id=person_id, created_by=person_id, access_type="new",
        justification="job", entitlement=entitlement, system_id=entitlement.system_id, entitlement_type=entitlement.name,
        asset_id=entitlement.system_id, status=status)


def who(person_id: str) -> Principal:
    return Principal(person_id=person_id, tenant_id="acme", roles=frozenset({"approver"}))


def test_later_steps_own_requests_and_access_in_flight_are_handled_when_the_case_opens(
        django_capture_on_commit_callbacks):
    mia = approver("mia")
    alice, ann = approver("alice", manager_id=mia), approver("ann")
    bob = PersonFactory(id="per_bob", tenant_id="acme").pk
    budget = approval_request_create(actor=who(bob), data={"title": "Budget 2027", "approver_ids": [ann, alice]})
    approval_request_submit(actor=who(bob), approval_request=budget)
    own = approval_request_create(actor=who(alice), data={"title": "Conference trip", "approver_ids": [ann]})
    approval_request_submit(actor=who(alice), approval_request=own)
    system = AccessSystem.objects.create(tenant_id="acme", name="Wiki", owner_id="per_owner")
    approved = access(alice, Entitlement.objects.create(tenant_id="acme", system=system, name="Editors"), "approved")
    in_flight = access(alice, Entitlement.objects.create(tenant_id="acme", system=system, name="Admins"), "provisioning")

    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=DIRECTORY_ADMIN, obj=PersonFactory._meta.model.objects.get(pk=alice))
    case = OffboardingCase.objects.get(person_id=alice)
    items = {(i.kind, i.subject_id): i for i in case.items.all()}

    later = ApprovalStep.objects.get(approval_request=budget, step_index=1)
    assert (later.status, later.delegated, later.delegated_to_id, later.approver_id) == ("waiting", True, mia, alice)
    assert items[("reroute_step", later.pk)].status == "done" and "not active yet" in items[("reroute_step", later.pk)].label

    own.refresh_from_db()
    assert own.status == "cancelled" and "left (offboarding case" in own.cancellation_reason
    assert items[("cancel_request", own.pk)].status == "done"

    approved = AccessRequest.all_objects.get(pk=approved.pk)
    assert approved.is_deleted and approved.status == "approved"
    assert items[("cancel_request", approved.pk)].status == "done"
    provisioning_sweep()
    assert AccessRequest.all_objects.get(pk=approved.pk).provisioning_op == ""  # never reached the target

    revoke = items[("revoke_access", in_flight.pk)]
    assert revoke.status == "pending" and case.status == "open"
    connector = Principal(person_id="manual", tenant_id="acme", source_type="system")
    with django_capture_on_commit_callbacks(execute=True):
        access_request_confirm_provisioning(actor=connector, access_request=in_flight, note="granted by hand")
    in_flight.refresh_from_db()
    assert (in_flight.status, in_flight.provisioning_op) == ("provisioned", "revoke")

    # The step activates for its delegate: queued for mia and told to her, not to the leaver.
    with django_capture_on_commit_callbacks(execute=True):
        approval_step_approve(actor=who(ann), approval_step=ApprovalStep.objects.get(approval_request=budget, step_index=0),
                              comment="ok")
    later.refresh_from_db()
    assert later.status == "delegated" or later.status == "pending"
    assert later.may_decide(mia) and not later.may_decide(alice)
    assert Pending.objects.filter(type="approval", source_id=later.pk, assignee_id=mia).exists()
    fan_out()
    told = Notification.objects.filter(event_type="approvals.step.activated", event__entity_id=later.pk)
    assert list(told.values_list("recipient_id", flat=True)) == [mia]
    assert ApprovalRequest.objects.get(pk=budget.pk).status == "pending"
