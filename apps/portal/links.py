"""Where an e-mail sends a person who is not staff: the portal page of the record (staff keep the
admin's). Sign-in comes first when needed; the login brings them back to the page."""
from django.apps import apps
from django.urls import reverse

from apps.core.models import StaffMembership


def sees_admin(tenant_id: str, person_id: str) -> bool:
    """Whether the person signs in to the admin (an active staff user of the tenant)."""
    return StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id, user__is_staff=True,
                                          user__is_active=True).exists()


def portal_path(obj) -> str:
    """The portal page showing `obj` to the person it concerns, or "" when the portal has none."""
    from apps.approvals.models import ApprovalRequest, ApprovalStep
    from apps.helpdesk.models import TicketComment
    from apps.policies.campaign_models import AcknowledgementCampaign

    from .records import KIND_OF_MODEL

    if obj is None:
        return ""
    kind = KIND_OF_MODEL.get(type(obj))
    if kind is not None:
        return reverse("portal:request", args=[kind.slug, obj.pk])
    if isinstance(obj, TicketComment):
        return reverse("portal:request", args=["ticket", obj.ticket_id])
    if isinstance(obj, AcknowledgementCampaign):
        return reverse("portal:acknowledge", args=[obj.policy_id])
    if isinstance(obj, ApprovalStep):
        return reverse("portal:decide", args=[obj.pk])
    if isinstance(obj, ApprovalRequest):
        return portal_path(obj.target())
    return ""


def record_of_label(label: str, tenant_id: str, pk: str):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model.all_objects.filter(tenant_id=tenant_id, pk=pk).first() if hasattr(model, "all_objects") else None
