from .choices import SLAPolicyStatus
from .models import BusinessCalendar, SLAPolicy


def sla_policy_for(*, tenant_id: str, ticket_type: str, priority: str) -> SLAPolicy | None:
    """The active policy for this priority whose `applies_to` holds the type (newest wins)."""
    candidates = SLAPolicy.objects.filter(tenant_id=tenant_id, status=SLAPolicyStatus.ACTIVE,
                                          priority=priority).order_by("-id")
    return next((p for p in candidates if p.applies(ticket_type)), None)


def business_calendar_for(*, tenant_id: str):
    return BusinessCalendar.objects.filter(tenant_id=tenant_id).first()
