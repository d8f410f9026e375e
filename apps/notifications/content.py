"""What a message says: the template context of an event for one person, rendered to subject,
plain text and HTML. Each `<template>.txt`'s first line is the subject."""
import time

from django.apps import apps
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from apps.core.models import Event, Tenant
from apps.core.people import display_person

from .links import (
    AcknowledgeLink,
    DecisionLink,
    PreferencesLink,
    absolute,
    acknowledge_url,
    decision_url,
    preferences_url,
    unsubscribe_url,
)
from .models import Notification
from .registry import Rule, kind

ACTION_WORDS = {"provisioned": "provisioned", "fulfilled": "fulfilled", "expired": "expired", "shipped": "shipped",
                "delivered": "delivered", "booked": "booked", "approved": "approved", "rejected": "rejected"}


def tenant_name(tenant_id: str) -> str:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return tenant.name if tenant else tenant_id


def admin_url(label: str, pk: str) -> str:
    """The admin page of a record (`operations.AccessRequest`), or "" when the model has none."""
    try:
        model = apps.get_model(label)
        return absolute(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk]))
    except (LookupError, ValueError, NoReverseMatch):
        return ""


def record_of(event: Event):
    try:
        model = apps.get_model(event.entity_type)
    except (LookupError, ValueError):
        return None
    return model.objects.filter(tenant_id=event.tenant_id, pk=event.entity_id).first()


def _approval_context(event: Event) -> dict:
    from apps.approvals.models import ApprovalRequest, ApprovalStep

    if event.type.startswith("approvals.step."):
        step = ApprovalStep.objects.filter(tenant_id=event.tenant_id, pk=event.entity_id).select_related(
            "approval_request").first()
        request = step.approval_request if step else None
    else:
        request = ApprovalRequest.objects.filter(tenant_id=event.tenant_id, pk=event.entity_id).first()
        step = request and request.steps.filter(step_index=request.current_step_index).first()
    target = request.target() if request else None
    requester = display_person(event.tenant_id, request.requested_by_id) if request else ""
    return {"step": step, "approval": request, "target": target, "requester": requester or "—",
            "target_label": str(target) if target is not None else "",
            "target_kind": target._meta.verbose_name if target is not None else "",
            "record_url": admin_url("approvals.ApprovalRequest", request.pk) if request else ""}


def context_for(*, event: Event, rule: Rule, notification: Notification, name: str) -> dict:
    action = event.type.rsplit(".", 1)[-1]
    record = record_of(event)
    context = {
        "tenant": tenant_name(event.tenant_id), "recipient_name": name, "event": event, "payload": event.payload,
        "reason": notification.reason, "kind": kind(rule.kind), "action": ACTION_WORDS.get(action, action),
        "record": record, "record_kind": record._meta.verbose_name if record is not None else "",
        "record_url": admin_url(event.entity_type, event.entity_id),
        # Who acted, by name: an e-mail never names a person by id.
        "actor": display_person(event.tenant_id, event.actor_id) if event.actor_id else "",
        "where": "in the back office",
    }
    if event.type == "operations.equipment.provisioned":
        context["action"] = "ordered"
    if event.type.startswith("approvals."):
        context.update(_approval_context(event))
    if event.type == "helpdesk.ticket_comment.created":
        ticket = record.ticket if record is not None else None
        context.update(ticket=ticket, record_url=admin_url("helpdesk.Ticket", ticket.pk) if ticket else "")
    elif event.type.startswith("helpdesk.ticket."):
        context["ticket"] = record
    campaign = record if event.type.startswith("policies.acknowledgement_campaign.") else None
    if campaign is not None:  # members cannot open the campaign's admin page: they get a signed link instead
        context.update(campaign=campaign, policy=campaign.policy, record_url="")
    prefs = PreferencesLink(tenant_id=event.tenant_id, person_id=notification.recipient_id, kind=rule.kind)
    step = context.get("step")
    context["links"] = {
        "record": context["record_url"],
        "decide": decision_url(DecisionLink(tenant_id=event.tenant_id, person_id=notification.recipient_id,
                                            step_id=step.pk, token_id=notification.id, issued_at=time.time()))
        if rule.decision_links and step is not None else "",
        "preferences": preferences_url(prefs),
        "unsubscribe": unsubscribe_url(prefs),
    }
    if event.type == "operations.hr_request.fulfilled":  # a letter sent with it: a link to the file
        from apps.letters.notify import letter_extras

        extra, links = letter_extras(event=event, recipient_id=notification.recipient_id)
        context.update(extra)
        context["links"].update(links)
    if campaign is not None:
        context["links"]["acknowledge"] = acknowledge_url(AcknowledgeLink(
            tenant_id=event.tenant_id, person_id=notification.recipient_id, policy_id=campaign.policy_id,
            version=campaign.version))
    if event.type.startswith("reviews."):
        from apps.reviews.notify import review_context

        review_context(context, event=event, notification=notification, record=record)
    if event.type.startswith("lifecycle."):
        from apps.lifecycle.notify import offboarding_context

        offboarding_context(context, event=event, notification=notification, record=record)
    _portal_link(context, event=event, notification=notification, record=record)
    return context


def _portal_link(context: dict, *, event: Event, notification: Notification, record) -> None:
    """A person without admin access opens the record in the portal: an approval step they decide
    (its decision page), a request of theirs, a ticket, a policy to acknowledge. Staff, and
    channels that are not a person (Slack), keep the admin's link."""
    from apps.portal.links import portal_path, sees_admin

    recipient = notification.recipient_id or ""
    if ":" in recipient or sees_admin(event.tenant_id, recipient):
        return
    step, approval = context.get("step"), context.get("approval")
    if step is not None and step.may_decide(recipient):
        target = step
    elif approval is not None:
        target = approval
    else:
        target = record
    path = portal_path(target)
    context["links"]["record"] = absolute(path) if path else ""
    context["where"] = "in the self-service portal"


def render(template: str, context: dict) -> tuple[str, str, str]:
    text = render_to_string(f"notifications/email/{template}.txt", context)
    subject, _, body = text.strip().partition("\n")
    subject = subject.strip()
    heading = subject.removeprefix(f"[{context['tenant']}] ")
    html = render_to_string(f"notifications/email/{template}.html", {**context, "subject": subject, "heading": heading})
    return " ".join(subject.split())[:300], body.strip() + "\n", html


def digest_context(*, digest: Notification, items: list[Notification], name: str) -> dict:
    prefs = PreferencesLink(tenant_id=digest.tenant_id, person_id=digest.recipient_id, kind="digest")
    return {"tenant": tenant_name(digest.tenant_id), "recipient_name": name, "items": items, "day": digest.digest_day,
            "links": {"preferences": preferences_url(prefs), "unsubscribe": unsubscribe_url(prefs)}}
