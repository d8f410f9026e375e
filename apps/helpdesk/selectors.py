from django.db import router

from apps.core import query_templates

from .choices import SLAPolicyStatus
from .models import BusinessCalendar, SLAPolicy


def _active_policies(slot):
    return SLAPolicy.objects.filter(tenant_id=slot("tenant"), status=SLAPolicyStatus.ACTIVE,
                                    priority=slot("priority")).order_by("-id")


def sla_policy_for(*, tenant_id: str, ticket_type: str, priority: str) -> SLAPolicy | None:
    """The active policy for this priority whose `applies_to` holds the type (newest wins).
    Runs on every ticket write, so its SQL is compiled once (core/query_templates.py)."""
    values = {"tenant": tenant_id, "priority": priority}
    using = router.db_for_read(SLAPolicy)
    template = query_templates.template_for(("sla_policy_for",), using, _active_policies)
    candidates = template.fetch(using, values) if template else _active_policies(values.__getitem__)
    return next((p for p in candidates if p.applies(ticket_type)), None)


def business_calendar_for(*, tenant_id: str):
    return BusinessCalendar.objects.filter(tenant_id=tenant_id).first()
