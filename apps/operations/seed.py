"""Demo operations records in every status (idempotent)."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.core import services as core
from apps.core.actions import run_transition
from apps.core.principal import Principal

from . import actions as a
from .models import AccessRequest, Equipment, HRRequest, Pending, Travel


def _as(person: str, tenant: str, *roles: str) -> Principal:
    return Principal(person_id=person, tenant_id=tenant, roles=frozenset(roles), source_type="system")


def _walk(obj, steps, tenant, people):
    actors = {"approver": _as(people["approver"], tenant, "approver"), "it": _as(people["it"], tenant, "it"),
              "hr": _as(people["hr"], tenant, "hr"), "travel": _as(people["travel"], tenant, "travel")}
    for role, action, body in steps:
        obj = run_transition(action, actor=actors[role], obj=obj, **body)
    return obj


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if AccessRequest.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    t = tenant.id
    now = timezone.now()
    member = _as(people["member"], t)
    access = [
        ("github", "new", "write", []),
        ("aws", "new", "read-only", [("approver", a.access_request_approve, {})]),
        ("slack", "modify", "admin", [("approver", a.access_request_reject, {"comment": "Not needed for the role"})]),
        ("salesforce", "new", "sales-user", [("approver", a.access_request_approve, {}), ("it", a.access_request_provision, {"expires_at": now + timedelta(days=30)})]),
        ("jira", "new", "project-admin", [("approver", a.access_request_approve, {}), ("it", a.access_request_provision, {"comment": "Added to the jira-admins group"}), ("it", a.access_request_complete, {})]),
    ]
    for system, kind, entitlement, steps in access:
        obj = core.record_create(actor=member, obj=AccessRequest(
            requester_id=member.person_id, principal_id=member.person_id, principal_type="person", system_id=system,
            access_type=kind, entitlement_type=entitlement, justification=f"Need {entitlement} on {system} for my project."))
        _walk(obj, steps, t, people)
    hr = [
        ("employment_letter", "digital", []),
        ("certificate", "physical", [("hr", a.hr_request_start, {})]),
        ("verification", "digital", [("hr", a.hr_request_fulfill, {"deliverable_url": "https://files.acme.invalid/letters/1.pdf",
                                      "comment": "Signed by the head of HR; the PDF is in your files."})]),
        ("other", None, [("hr", a.hr_request_reject, {"reason": "Handled by payroll"})]),
    ]
    for kind, deliverable, steps in hr:
        obj = core.record_create(actor=member, obj=HRRequest(
            requester_id=member.person_id, type=kind, deliverable_type=deliverable, description=f"Please prepare a {kind.replace('_', ' ')}."))
        _walk(obj, steps, t, people)
    eq_steps = [("approver", a.equipment_approve, {}), ("it", a.equipment_provision, {"cost": Decimal("1899.00")}), ("it", a.equipment_ship, {}),
                ("it", a.equipment_deliver, {}), ("it", a.equipment_return, {})]
    for i, kind in enumerate(["laptop", "monitor", "phone", "headset", "dock", "keyboard"]):
        obj = core.record_create(actor=member, obj=Equipment(requester_id=member.person_id, equipment_type=kind,
                                                             specification=f"Standard {kind}"))
        _walk(obj, eq_steps[:i], t, people)
    BOOKED = {"booking_reference": "TRV-2611", "booked_cost": Decimal("1380.00")}  # noqa: N806
    trips = [("Berlin", []), ("London", [("approver", a.travel_approve, {})]),
             ("New York", [("approver", a.travel_approve, {}), ("travel", a.travel_book, BOOKED)]),
             ("Tokyo", [("approver", a.travel_approve, {}), ("travel", a.travel_book, BOOKED), ("travel", a.travel_complete, {"actual_cost": Decimal("2450.00")})]),
             ("Paris", [("approver", a.travel_approve, {}), ("travel", a.travel_cancel, {"comment": "The customer moved the meeting online"})])]
    for i, (city, steps) in enumerate(trips):
        obj = core.record_create(actor=member, obj=Travel(
            requester_id=member.person_id, purpose=f"Customer visit in {city}", destination=city,
            departure_at=now + timedelta(days=10 + i), return_at=now + timedelta(days=13 + i), estimated_cost=Decimal("1500.00")))
        _walk(obj, steps, t, people)
    for i, (title, status) in enumerate([("Review onboarding checklist", []), ("Renew TLS certificates", [a.pending_start]),
                                         ("Vendor contract signature", [a.pending_block]),
                                         ("Archive old tickets", [a.pending_complete])]):
        obj = core.record_create(actor=actor, obj=Pending(type="task", source_id=f"task-{i}", title=title, priority=i + 1,
                                                          assignee_id=people["it"], due_at=now + timedelta(days=i + 1)))
        for action in status:
            obj = action(actor=actor, pending=obj, comment="Waiting for the vendor")
    return "access, HR, equipment, travel and pending records in every status"
