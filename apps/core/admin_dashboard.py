"""The staff dashboard (admin index): today's work for the staff member's tenant.

Every query is scoped to the tenant and bounded (counts and grouped aggregates over indexed
columns, short lists with LIMIT, fixed time windows), whatever the size of the tables.
"""
from datetime import timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.urls import reverse
from django.utils import timezone

from .admin_base import principal_for

DAYS = 14
WEEKS = 8


def _scoped(model, principal):
    qs = model.objects.all()
    return qs.filter(tenant_id=principal.tenant_id) if principal else qs


def _bars(rows: list[tuple[str, int]]) -> list[dict]:
    top = max([v for _, v in rows] + [1])
    return [{"label": label, "value": value, "pct": round(100 * value / top)} for label, value in rows]


def dashboard_data(request) -> dict:
    from apps.approvals.choices import OPEN_STEP_STATES
    from apps.approvals.models import ApprovalStep
    from apps.helpdesk.models import Ticket
    from apps.integration.models import Webhook
    from apps.operations.models import AccessRequest, Equipment, HRRequest, Pending, Travel
    from apps.policies.models import Policy

    principal = principal_for(request)
    if request.user.is_superuser and getattr(request.user, "membership", None) is None:
        principal = None  # superusers see every tenant
    now = timezone.now()
    me = principal.person_id if principal else None

    my_steps = _scoped(ApprovalStep, principal).filter(status__in=OPEN_STEP_STATES).filter(
        Q(approver_id=me, delegated=False) | Q(delegated_to_id=me)).select_related("approval_request")
    waiting = [
        ("Access to approve", _scoped(AccessRequest, principal).filter(status="pending").count(),
         reverse("admin:operations_accessrequest_changelist") + "?status__exact=pending"),
        ("Access to provision", _scoped(AccessRequest, principal).filter(status="approved").count(),
         reverse("admin:operations_accessrequest_changelist") + "?status__exact=approved"),
        ("HR requests open", _scoped(HRRequest, principal).filter(status__in=["pending", "in_progress"]).count(),
         reverse("admin:operations_hrrequest_changelist") + "?status__exact=pending"),
        ("Equipment requested", _scoped(Equipment, principal).filter(status="requested").count(),
         reverse("admin:operations_equipment_changelist") + "?status__exact=requested"),
        ("Travel to book", _scoped(Travel, principal).filter(status="approved").count(),
         reverse("admin:operations_travel_changelist") + "?status__exact=approved"),
        ("Queue items", _scoped(Pending, principal).exclude(status="completed").count(),
         reverse("admin:operations_pending_changelist")),
    ]
    tickets = _scoped(Ticket, principal)
    open_tickets = tickets.exclude(status__in=["resolved", "closed"])
    by_status = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    by_priority = dict(open_tickets.values_list("priority").annotate(n=Count("id")).order_by())
    since = now - timedelta(days=DAYS)
    opened = dict(tickets.filter(created_at__gte=since).annotate(d=TruncDate("created_at")).values_list("d")
                  .annotate(n=Count("id")).order_by())
    resolved = dict(tickets.filter(resolved_at__gte=since).annotate(d=TruncDate("resolved_at")).values_list("d")
                    .annotate(n=Count("id")).order_by())
    days = [(now - timedelta(days=i)).date() for i in range(DAYS - 1, -1, -1)]
    top = max([*opened.values(), *resolved.values(), 1])
    per_day = [{"day": d.strftime("%d %b"), "opened": opened.get(d, 0), "resolved": resolved.get(d, 0),
                "opened_pct": round(100 * opened.get(d, 0) / top), "resolved_pct": round(100 * resolved.get(d, 0) / top)}
               for d in days]
    weekly = (tickets.filter(resolved_at__gte=now - timedelta(weeks=WEEKS), due_at__isnull=False)
              .annotate(w=TruncWeek("resolved_at")).values("w")
              .annotate(total=Count("id"), met=Count("id", filter=Q(resolved_at__lte=F("due_at")))).order_by("w"))
    attainment = [{"week": row["w"].strftime("%d %b"), "total": row["total"],
                   "pct": round(100 * row["met"] / row["total"]) if row["total"] else 100} for row in weekly]
    return {
        "me": me,
        "tenant": principal.tenant_id if principal else "all tenants",
        "my_approvals": list(my_steps.order_by("id")[:8]),
        "my_approvals_count": my_steps.count(),
        "my_approvals_url": reverse("admin:approvals_approvalstep_changelist") + "?mine=open",
        "waiting": waiting,
        "tickets_by_status": _bars([(s, by_status.get(s, 0)) for s in ("new", "open", "pending", "resolved", "closed")]),
        "tickets_by_priority": _bars([(p, by_priority.get(p, 0)) for p in ("urgent", "high", "medium", "low")]),
        "overdue": list(open_tickets.filter(due_at__lt=now).order_by("due_at")[:8]),
        "overdue_count": open_tickets.filter(due_at__lt=now).count(),
        "due_soon_count": open_tickets.filter(due_at__gte=now, due_at__lt=now + timedelta(hours=4)).count(),
        # stamped by `manage.py sla_sweep` (tkt_tenant_sla_state index)
        "sla_breached_count": open_tickets.filter(sla_state="breached").count(),
        "sla_warning_count": open_tickets.filter(sla_state="warning").count(),
        "sla_breached_url": reverse("admin:helpdesk_ticket_changelist") + "?sla_state__exact=breached",
        "sla_warning_url": reverse("admin:helpdesk_ticket_changelist") + "?sla_state__exact=warning",
        "per_day": per_day,
        "attainment": attainment,
        "policies_due": list(_scoped(Policy, principal).filter(status="published", next_review_at__lte=now + timedelta(days=30))
                             .order_by("next_review_at")[:8]),
        "failing_webhooks": list(_scoped(Webhook, principal).filter(Q(consecutive_failures__gt=0) | Q(paused_at__isnull=False))
                                 .order_by("-consecutive_failures")[:8]),
        "queues": [
            ("My approvals", reverse("admin:approvals_approvalstep_changelist") + "?mine=open"),
            ("My tickets", reverse("admin:helpdesk_ticket_changelist") + "?queue=mine"),
            ("Unassigned tickets", reverse("admin:helpdesk_ticket_changelist") + "?queue=unassigned"),
            ("Access to provision", reverse("admin:operations_accessrequest_changelist") + "?status__exact=approved"),
            ("Travel to book", reverse("admin:operations_travel_changelist") + "?status__exact=approved"),
        ],
    }


def dashboard_callback(request, context):
    context.update(dashboard_data(request))
    return context
