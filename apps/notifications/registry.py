"""Which outbox events notify whom: event type -> (kind, recipients, template). Declared here, in
full; nothing is looked up by name. Kinds are what people turn off or receive as a digest."""
from collections.abc import Callable
from dataclasses import dataclass

from apps.core.models import Event

from . import recipients as r


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    mandatory: bool = False  # cannot be turned off
    digestible: bool = True  # False: always sent at once, even to people who chose the digest
    staff_work: bool = False  # about work only staff roles have (queues, SLAs, webhooks, connectors)


KINDS = {k.name: k for k in [
    Kind("approval_requested", "An approval step waits for you", mandatory=True),
    Kind("approval_reminder", "Reminders of approvals falling due"),
    Kind("request_update", "Progress of your requests (approved, rejected, provisioned, shipped…)"),
    Kind("access_expiring", "Access you hold or asked for ends soon"),
    Kind("ticket_assigned", "Tickets assigned to you", staff_work=True),
    Kind("ticket_reply", "A requester replied on your ticket", staff_work=True),
    Kind("ticket_update", "Replies and status changes on tickets you opened"),
    Kind("sla_warning", "SLA warnings on your tickets", digestible=False, staff_work=True),
    Kind("sla_breach", "SLA breaches on your tickets", mandatory=True, digestible=False, staff_work=True),
    Kind("policy_acknowledgement_requested", "A policy version asks for your acknowledgement", mandatory=True),
    Kind("policy_acknowledgement_reminder", "Reminders of policies you have not acknowledged yet"),
    Kind("webhook_paused", "A webhook was paused after failures (admins)", mandatory=True, digestible=False, staff_work=True),
    Kind("connector_failing", "A connector you own keeps failing to sync", mandatory=True, digestible=False, staff_work=True),
    Kind("connector_credentials", "A connector credential you own is due for rotation", staff_work=True),
    Kind("access_review_assigned", "Access reviews waiting for your decision", mandatory=True),
    Kind("access_review_reminder", "Reminders of access reviews falling due"),
    Kind("access_review_escalation", "Access reviews behind schedule (campaign owners)", mandatory=True),
    Kind("access_review_outcome", "Access removed after a review, and removals that failed"),
    Kind("access_review_unassigned", "Access review items nobody may review (admins)", mandatory=True, staff_work=True),
    Kind("offboarding_opened", "A leaver's offboarding case opened (their manager, IT)"),
    Kind("offboarding_trouble", "Offboarding items that failed and cases overdue (IT)", staff_work=True),
]}
DIGEST = Kind("digest", "Your daily digest", mandatory=True, digestible=False)


@dataclass(frozen=True)
class Rule:
    kind: str
    recipients: Callable[[Event], r.Recipients]
    template: str  # notifications/email/<template>.txt (first line: the subject) and .html
    decision_links: bool = False  # the message carries one-click approve/reject links
    worth_waking: Callable[[Event], bool] = lambda event: True  # cheap check before queueing a pass
    headers: Callable[[Event], dict] | None = None  # extra mail headers (threading, Reply-To), stored on the row


def _assigned(event: Event) -> bool:
    return bool(event.payload.get("assigned_to_id"))


# The requester of an operations request hears of each step of it (the template words the action).
REQUEST_UPDATE = Rule("request_update", r.request_requester, "request_update")


RULES: dict[str, Rule] = {
    "approvals.step.activated": Rule("approval_requested", r.step_approver, "approval_requested", decision_links=True),
    "approvals.step.delegated": Rule("approval_requested", r.step_delegate, "approval_delegated", decision_links=True),
    "approvals.request.reminder": Rule("approval_reminder", r.current_decider, "approval_reminder", decision_links=True),
    "approvals.request.approved": Rule("request_update", r.approval_requester, "approval_outcome"),
    "approvals.request.rejected": Rule("request_update", r.approval_requester, "approval_outcome"),
    "approvals.request.expired": Rule("request_update", r.approval_requester, "approval_outcome"),
    "operations.access_request.approved": REQUEST_UPDATE,
    "operations.access_request.rejected": REQUEST_UPDATE,
    "operations.access_request.provisioned": REQUEST_UPDATE,
    "operations.access_request.expired": REQUEST_UPDATE,
    "operations.access_request.expiring": Rule("access_expiring", r.access_owners, "access_expiring"),
    "operations.hr_request.fulfilled": REQUEST_UPDATE,
    "operations.hr_request.rejected": REQUEST_UPDATE,
    "operations.equipment.approved": REQUEST_UPDATE,
    "operations.equipment.provisioned": REQUEST_UPDATE,
    "operations.equipment.shipped": REQUEST_UPDATE,
    "operations.equipment.delivered": REQUEST_UPDATE,
    "operations.travel.approved": REQUEST_UPDATE,
    "operations.travel.booked": REQUEST_UPDATE,
    "helpdesk.ticket.created": Rule("ticket_assigned", r.new_assignee, "ticket_assigned", worth_waking=_assigned),
    "helpdesk.ticket.updated": Rule("ticket_assigned", r.new_assignee, "ticket_assigned", worth_waking=_assigned),
    "helpdesk.ticket_comment.created": Rule("ticket_reply", r.agent_on_requester_reply, "ticket_reply",
                                            worth_waking=lambda e: not e.payload.get("internal")),
    "helpdesk.ticket.sla_warning": Rule("sla_warning", r.sla_assignee, "sla_alert", worth_waking=_assigned),
    "helpdesk.ticket.sla_breached": Rule("sla_breach", r.sla_assignee, "sla_alert", worth_waking=_assigned),
    "policies.acknowledgement_campaign.launched": Rule("policy_acknowledgement_requested", r.campaign_outstanding,
                                                       "policy_acknowledgement_requested"),
    "policies.acknowledgement_campaign.reminder": Rule("policy_acknowledgement_reminder", r.campaign_outstanding,
                                                       "policy_acknowledgement_reminder"),
    "integration.webhook.paused": Rule("webhook_paused", r.integration_admins, "webhook_paused"),
    "integration.connector.failing": Rule("connector_failing", r.connector_owner, "connector_failing"),
    "integration.connector.credential_rotation_due": Rule("connector_credentials", r.connector_owner,
                                                          "connector_credential_rotation"),
    "reviews.review_campaign.launched": Rule("access_review_assigned", r.review_reviewers, "access_review_request"),
    "reviews.review_campaign.reminder": Rule("access_review_reminder", r.review_reviewers, "access_review_request"),
    "reviews.review_campaign.escalated": Rule("access_review_escalation", r.review_owner, "access_review_request"),
    "reviews.review_campaign.unassigned": Rule("access_review_unassigned", r.review_admins, "access_review_request"),
    "reviews.review_item.revoked": Rule("access_review_outcome", r.review_holder, "access_review_outcome"),
    "reviews.review_item.revoke_done": Rule("access_review_outcome", r.review_holder, "access_review_outcome"),
    "reviews.review_item.revoke_failed": Rule("access_review_outcome", r.review_item_owner, "access_review_outcome"),
    "lifecycle.offboarding_case.created": Rule("offboarding_opened", r.leaver_manager_and_it, "offboarding"),
    "lifecycle.offboarding_item.failed": Rule("offboarding_trouble", r.lifecycle_it, "offboarding"),
    "lifecycle.offboarding_case.overdue": Rule("offboarding_trouble", r.lifecycle_it, "offboarding"),
}


def _ticket_thread(event: Event) -> dict:
    from apps.helpdesk_mail.threads import event_headers

    return event_headers(event)


def _public(event: Event) -> bool:
    return not event.payload.get("internal")


# The requester of a ticket hears by e-mail of staff replies and status changes (and of a ticket they
# opened by e-mail), threaded with their own mail: replies reach the mail gateway (apps/helpdesk_mail).
TICKET_UPDATE = Rule("ticket_update", r.ticket_requester, "ticket_update", headers=_ticket_thread)
REQUESTER_RULES: dict[str, Rule] = {
    "helpdesk.ticket.created": Rule("ticket_update", r.ticket_requester, "ticket_update", headers=_ticket_thread,
                                    worth_waking=lambda e: e.payload.get("source") == "email"),
    "helpdesk.ticket_comment.created": Rule("ticket_update", r.ticket_requester, "ticket_update",
                                            headers=_ticket_thread, worth_waking=_public),
    **{f"helpdesk.ticket.{action}": TICKET_UPDATE for action in ("opened", "held", "resolved", "reopened", "closed")},
}
EVENT_TYPES = sorted(set(RULES) | set(REQUESTER_RULES))


def rules_for(event_type: str) -> list[Rule]:
    """Every rule of an event type (a ticket's reply tells its agent one thing and its requester another)."""
    return [rule for rule in (RULES.get(event_type), REQUESTER_RULES.get(event_type)) if rule is not None]


def kind(name: str) -> Kind:
    return DIGEST if name == DIGEST.name else KINDS[name]
