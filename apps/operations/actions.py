"""Operations actions: one function per change of a request, listed in one map per model
(apps/core/actions.py). A transition that takes only a comment is one `transition_action` line."""
from datetime import datetime
from decimal import Decimal

from apps.core import services as core
from apps.core.actions import Actions, action, transition_action
from apps.core.principal import Principal

from .api import serializers as s
from .models import AccessRequest, Equipment, HRRequest, Pending, Travel
from .provisioning import manual_task_closed, queue_connector_work
from .services import access_request_create, access_request_update

# -- access requests -------------------------------------------------------------------------


@action(AccessRequest, "approve")
def access_request_approve(*, actor: Principal, access_request: AccessRequest, comment: str = "",
                           if_match: str | None = None) -> AccessRequest:
    return core.record_transition(actor=actor, obj=access_request, name="approve", comment=comment,
                                  params={"actor": actor}, prepare=queue_connector_work, if_match=if_match)


@action(AccessRequest, "reject")
def access_request_reject(*, actor: Principal, access_request: AccessRequest, comment: str,
                          if_match: str | None = None) -> AccessRequest:
    return core.record_transition(actor=actor, obj=access_request, name="reject", comment=comment,
                                  params={"actor": actor}, if_match=if_match)


@action(AccessRequest, "provision", body=s.ProvisionAccessBody)
def access_request_provision(*, actor: Principal, access_request: AccessRequest, expires_at: datetime | None = None,
                             comment: str = "", if_match: str | None = None) -> AccessRequest:
    return core.record_transition(actor=actor, obj=access_request, name="provision", comment=comment,
                                  params={"actor": actor, "expires_at": expires_at, "comment": comment},
                                  if_match=if_match)


@action(AccessRequest, "renew", body=s.RenewAccessBody)
def access_request_renew(*, actor: Principal, access_request: AccessRequest, expires_at: datetime, comment: str = "",
                         if_match: str | None = None) -> AccessRequest:
    return core.record_transition(actor=actor, obj=access_request, name="renew", comment=comment,
                                  params={"expires_at": expires_at}, if_match=if_match,
                                  prepare=lambda request: queue_connector_work(request, assert_grant=True))


access_request_complete = transition_action(AccessRequest, "complete")
access_request_expire = transition_action(AccessRequest, "expire")

# The provisioning engine's steps (apps/operations/provisioning.py): what the connector's target confirmed.


access_request_start_provisioning = transition_action(AccessRequest, "start_provisioning",
                                                      params={"lease_until": datetime}, engine=True)
access_request_confirm_provisioning = transition_action(AccessRequest, "confirm_provisioning",
                                                        params={"note": str | None}, with_actor=True, engine=True)
access_request_fail_provisioning = transition_action(AccessRequest, "fail_provisioning",
                                                     params={"error": str, "retry_at": datetime | None}, engine=True)


@action(AccessRequest, "retry_provisioning")
def access_request_retry_provisioning(*, actor: Principal, access_request: AccessRequest, comment: str = "",
                                      if_match: str | None = None) -> AccessRequest:
    """IT tries the grant again now (the connector's work is queued with it)."""
    return core.record_transition(actor=actor, obj=access_request, name="retry_provisioning", comment=comment,
                                  prepare=queue_connector_work, if_match=if_match)


@action(AccessRequest, "retry_connector_work")
def access_request_retry_connector_work(*, actor: Principal, access_request: AccessRequest, comment: str = "",
                                        if_match: str | None = None) -> AccessRequest:
    """IT tries a stalled removal or renewal again now (the connector's work is queued with it)."""
    return core.record_transition(actor=actor, obj=access_request, name="retry_connector_work", comment=comment,
                                  prepare=queue_connector_work, if_match=if_match)


@action(AccessRequest, "mark_manual")
def access_request_mark_manual(*, actor: Principal, access_request: AccessRequest, comment: str,
                               if_match: str | None = None) -> AccessRequest:
    return core.record_transition(actor=actor, obj=access_request, name="mark_manual", comment=comment,
                                  params={"actor": actor}, if_match=if_match)


access_request_confirm_revoked = transition_action(AccessRequest, "confirm_revoked")

ACCESS_REQUEST_ACTIONS = Actions(AccessRequest, create=access_request_create, update=access_request_update,
                                 transitions=(
    access_request_approve, access_request_reject, access_request_provision, access_request_renew,
    access_request_complete, access_request_expire, access_request_start_provisioning,
    access_request_confirm_provisioning, access_request_fail_provisioning, access_request_retry_provisioning,
    access_request_retry_connector_work, access_request_mark_manual, access_request_confirm_revoked))

# -- HR requests -----------------------------------------------------------------------------


@action(HRRequest, "fulfill", body=s.FulfillBody)
def hr_request_fulfill(*, actor: Principal, hr_request: HRRequest, deliverable_url: str = "", comment: str = "",
                       if_match: str | None = None) -> HRRequest:
    return core.record_transition(actor=actor, obj=hr_request, name="fulfill", comment=comment, if_match=if_match,
                                  params={"actor": actor, "deliverable_url": deliverable_url, "comment": comment})


@action(HRRequest, "reject", body=s.RejectHRBody)
def hr_request_reject(*, actor: Principal, hr_request: HRRequest, reason: str = "", comment: str = "",
                      if_match: str | None = None) -> HRRequest:
    """Says why in `reason` (or `comment`), kept as the rejection reason the requester reads."""
    return core.record_transition(actor=actor, obj=hr_request, name="reject", comment=reason or comment,
                                  if_match=if_match)


hr_request_start = transition_action(HRRequest, "start")

HR_REQUEST_ACTIONS = Actions(HRRequest, transitions=(hr_request_start, hr_request_fulfill, hr_request_reject))

# -- equipment -------------------------------------------------------------------------------


@action(Equipment, "approve")
def equipment_approve(*, actor: Principal, equipment: Equipment, comment: str = "",
                      if_match: str | None = None) -> Equipment:
    return core.record_transition(actor=actor, obj=equipment, name="approve", comment=comment,
                                  params={"actor": actor}, if_match=if_match)


@action(Equipment, "provision", body=s.OrderEquipmentBody)
def equipment_provision(*, actor: Principal, equipment: Equipment, cost: Decimal | None = None, comment: str = "",
                        if_match: str | None = None) -> Equipment:
    return core.record_transition(actor=actor, obj=equipment, name="provision", comment=comment,
                                  params={"cost": cost}, if_match=if_match)


equipment_ship = transition_action(Equipment, "ship")
equipment_deliver = transition_action(Equipment, "deliver")
equipment_return = transition_action(Equipment, "return")

EQUIPMENT_ACTIONS = Actions(Equipment, transitions=(
    equipment_approve, equipment_provision, equipment_ship, equipment_deliver, equipment_return))

# -- travel ----------------------------------------------------------------------------------


@action(Travel, "approve")
def travel_approve(*, actor: Principal, travel: Travel, comment: str = "", if_match: str | None = None) -> Travel:
    return core.record_transition(actor=actor, obj=travel, name="approve", comment=comment,
                                  params={"actor": actor}, if_match=if_match)


@action(Travel, "book", body=s.BookTravelBody)
def travel_book(*, actor: Principal, travel: Travel, booking_reference: str, booked_cost: Decimal, comment: str = "",
                if_match: str | None = None) -> Travel:
    return core.record_transition(actor=actor, obj=travel, name="book", comment=comment, if_match=if_match,
                                  params={"booking_reference": booking_reference, "booked_cost": booked_cost})


@action(Travel, "complete", body=s.CompleteTravelBody)
def travel_complete(*, actor: Principal, travel: Travel, actual_cost: Decimal | None = None, comment: str = "",
                    if_match: str | None = None) -> Travel:
    return core.record_transition(actor=actor, obj=travel, name="complete", comment=comment,
                                  params={"actual_cost": actual_cost}, if_match=if_match)


travel_cancel = transition_action(Travel, "cancel")

TRAVEL_ACTIONS = Actions(Travel, transitions=(travel_approve, travel_book, travel_complete, travel_cancel))

# -- pending work items (their engine runs them: apps.approvals) ------------------------------

pending_start = transition_action(Pending, "start")
pending_block = transition_action(Pending, "block")
@action(Pending, "complete")
def pending_complete(*, actor: Principal, pending: Pending, comment: str = "", if_match: str | None = None,
                     check_permission: bool = True) -> Pending:
    """Done; a manual connector's task closed this way moves its access request on."""
    task = core.record_transition(actor=actor, obj=pending, name="complete", comment=comment, if_match=if_match,
                                  check_permission=check_permission)
    manual_task_closed(task)
    return task

PENDING_ACTIONS = Actions(Pending, transitions=(pending_start, pending_block, pending_complete))
