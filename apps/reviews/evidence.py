"""The evidence report of a signed-off campaign: every item with who held what, who reviewed it and
why, the decision, and for revokes the target's confirmation (apps/files/evidence.py makes the CSV and
the PDF and attaches them to the campaign)."""
from datetime import UTC

from django.utils import timezone

from apps.core.principal import Principal

from .models import ReviewCampaign, ReviewItem
from .services import _labels

LABELS = ["Item", "Holder", "System", "Entitlement", "Risk", "Reviewer", "Routed to", "Decision", "Reason",
          "Decided by", "Decided at (UTC)", "Revoke", "Target's confirmation", "Confirmed at (UTC)", "Grant"]
COLUMNS = [(f"c{n}", label) for n, label in enumerate(LABELS)]  # (key, label), as evidence_report_attach takes


def _when(value) -> str:
    return timezone.localtime(value, UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def evidence_rows(campaign: ReviewCampaign) -> list[dict]:
    items = list(ReviewItem.objects.filter(campaign=campaign).select_related("system", "entitlement").order_by("id"))
    people = _labels(campaign.tenant_id, {p for i in items for p in (i.holder_id, i.reviewer_id, i.decided_by_id) if p})
    values = [[i.pk, people.get(i.holder_id, i.holder_id), i.system.name, i.entitlement.name, i.get_risk_display(),
             people.get(i.reviewer_id, i.reviewer_id), i.get_routed_because_display(), i.get_status_display(),
             i.decision_reason, people.get(i.decided_by_id, i.decided_by_id or "the campaign's rule"),
             _when(i.decided_at), i.get_revoke_state_display() if i.revoke_state else "", i.revoke_note,
             _when(i.revoke_confirmed_at), i.grant_id] for i in items]
    return [{key: value for (key, _), value in zip(COLUMNS, row)} for row in values]


def evidence_summary(campaign: ReviewCampaign) -> dict[str, object]:
    owner = _labels(campaign.tenant_id, [campaign.owner_id, campaign.signed_off_by_id or ""])
    return dict([("Campaign", f"{campaign.name} ({campaign.pk})"), ("Owner", owner.get(campaign.owner_id, campaign.owner_id)),
            ("Reviewers", campaign.get_reviewer_rule_display()),
            ("Unanswered items", campaign.get_unanswered_rule_display()),
            ("Launched", _when(campaign.launched_at)), ("Due", _when(campaign.due_at)), ("Closed", _when(campaign.closed_at)),
            ("Signed off", f"{_when(campaign.signed_off_at)} by "
                           f"{owner.get(campaign.signed_off_by_id, campaign.signed_off_by_id)}"),
            ("Items", campaign.items_total), ("Kept", campaign.items_kept), ("Revoked", campaign.items_revoked),
            ("Unanswered", campaign.items_unanswered), ("Revokes confirmed by the targets", campaign.revokes_done)])


def attach_evidence(*, actor: Principal, campaign: ReviewCampaign):
    from apps.files.evidence import evidence_report_attach

    campaign.refresh_from_db()
    return evidence_report_attach(actor=actor, record=campaign, title=f"Access review evidence {campaign.name}",
                                  columns=COLUMNS, rows=evidence_rows(campaign), summary=evidence_summary(campaign))
