"""A case closes when every item is done, and then gets its evidence report: what was held, what was
done, by whom and when, with the target's confirmation (apps/files/evidence.py, after commit; the
lifecycle sweep attaches it again when that failed)."""
import logging

from django.db import transaction
from django.utils import timezone

from apps.core import services as core
from apps.core.people import display_people
from apps.core.principal import system_principal

from .choices import CaseStatus, ItemStatus
from .models import OffboardingCase, OffboardingItem

logger = logging.getLogger("apps.lifecycle")

EVIDENCE_COLUMNS = (
    ("item", "Item"), ("kind", "Kind"), ("held", "What was held"), ("target", "Where"),
    ("status", "State"), ("action", "What was done"), ("done_by", "By"), ("done_at", "When (UTC)"),
    ("confirmation", "Target's confirmation"),
)


def case_close_if_done(*, case_id: str) -> OffboardingCase | None:
    """Close the case when none of its items is left to do (pending, failed or flagged)."""
    case = OffboardingCase.objects.select_for_update().filter(pk=case_id, status=CaseStatus.OPEN).first()
    if case is None or case.items.exclude(status__in=(ItemStatus.DONE, ItemStatus.CANCELLED)).exists():
        return None
    case = core.record_transition(actor=system_principal(case.tenant_id), obj=case, name="close",
                                  check_permission=False)
    transaction.on_commit(lambda: _attach_quietly(case.pk))
    return case


def _attach_quietly(case_id: str) -> None:
    try:
        case_attach_evidence(case_id=case_id)
    except Exception:  # the close is committed; the sweep attaches the report later
        logger.warning("evidence report of %s not attached yet; the sweep retries", case_id, exc_info=True)


def evidence_rows(case: OffboardingCase) -> list[dict]:
    items = list(case.items.order_by("kind", "id"))
    people = display_people(case.tenant_id, {i.done_by for i in items if i.done_by})
    return [{"item": i.pk, "kind": i.get_kind_display(), "held": i.label, "target": i.target,
             "status": i.get_status_display(), "action": i.action_taken, "done_by": people.get(i.done_by, i.done_by),
             "done_at": i.done_at.strftime("%Y-%m-%d %H:%M:%S") if i.done_at else "",
             "confirmation": i.confirmation} for i in items]


@transaction.atomic
def case_attach_evidence(*, case_id: str) -> list:
    """Attach the evidence report to a closed or stopped case that has none yet."""
    from apps.files.evidence import evidence_report_attach

    case = OffboardingCase.objects.select_for_update().filter(
        pk=case_id, status__in=(CaseStatus.CLOSED, CaseStatus.STOPPED), evidence_attached_at__isnull=True).first()
    if case is None:
        return []
    people = display_people(case.tenant_id, {case.person_id, case.manager_id or ""})
    summary = {"Person": people.get(case.person_id, case.person_id), "Case": case.pk,
               "Trigger": f"{case.get_trigger_display()} by {case.triggered_by or 'unknown'}",
               "Opened": case.created_at.strftime("%Y-%m-%d %H:%M UTC"),
               "Ended": f"{case.get_status_display()} {case.closed_at:%Y-%m-%d %H:%M UTC}" if case.closed_at else "",
               "Manager": people.get(case.manager_id or "", case.manager_id or "none")}
    if case.stop_reason:
        summary["Stopped because"] = case.stop_reason
    attachments = evidence_report_attach(
        actor=system_principal(case.tenant_id), record=case, title=f"Offboarding evidence {case.pk}",
        columns=EVIDENCE_COLUMNS, rows=evidence_rows(case), summary=summary)
    OffboardingCase.objects.filter(pk=case.pk).update(evidence_attached_at=timezone.now())
    return attachments


def cases_missing_evidence():
    return OffboardingCase.objects.filter(status__in=(CaseStatus.CLOSED, CaseStatus.STOPPED),
                                          evidence_attached_at__isnull=True)


def items_open(case: OffboardingCase):
    return OffboardingItem.objects.filter(case=case).exclude(status__in=(ItemStatus.DONE, ItemStatus.CANCELLED))
