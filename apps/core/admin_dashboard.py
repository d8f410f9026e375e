"""The staff dashboard (admin index): today's work for the staff member's tenant.

Every figure is what the staff member may see, as the API shows it (`visible_to` their roles),
and every count links to a list that shows exactly those rows. A superuser of no tenant picks one.
Every query is bounded (counts and grouped aggregates over indexed columns, short lists with
LIMIT, fixed time windows), whatever the size of the tables.
"""
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.urls import reverse
from django.utils import timezone

from .admin_base import is_unbound_superuser, principal_for
from .models import Tenant

DAYS = 14
WEEKS = 8
OPEN_TICKET = "new,open,pending"


def _scoped(model, principal):
    return model.objects.visible_to(principal)


def _link(name: str, principal, superuser: bool, **params) -> str:
    if superuser:
        params = {"tenant_id__exact": principal.tenant_id, **params}
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


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

    superuser = is_unbound_superuser(request)
    principal = principal_for(request)
    if principal is None:
        # A staff user of no tenant sees nothing; a superuser of none chooses a tenant first.
        return {"tenant": None, "choose_tenant": superuser,
                "tenants": list(Tenant.objects.order_by("id")[:50]) if superuser else []}
    now = timezone.now()
    me = principal.person_id

    def link(name, **params):
        return _link(name, principal, superuser, **params)

    my_steps = _scoped(ApprovalStep, principal).filter(status__in=OPEN_STEP_STATES).filter(
        Q(approver_id=me, delegated=False) | Q(delegated_to_id=me)).select_related("approval_request")
    waiting = [
        ("Access to approve", _scoped(AccessRequest, principal).filter(status="pending").count(),
         link("operations_accessrequest", status__exact="pending")),
        ("Access to provision", _scoped(AccessRequest, principal).filter(status="approved").count(),
         link("operations_accessrequest", status__exact="approved")),
        ("HR requests open", _scoped(HRRequest, principal).filter(status__in=["pending", "in_progress"]).count(),
         link("operations_hrrequest", status__in="pending,in_progress")),
        ("Equipment requested", _scoped(Equipment, principal).filter(status="requested").count(),
         link("operations_equipment", status__exact="requested")),
        ("Travel to book", _scoped(Travel, principal).filter(status="approved").count(),
         link("operations_travel", status__exact="approved")),
        ("Queue items", _scoped(Pending, principal).exclude(status="completed").count(),
         link("operations_pending", status__in="queued,processing,blocked")),
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
    soon = now + timedelta(hours=4)
    return {
        "me": me,
        "tenant": principal.tenant_id,
        "my_approvals": list(my_steps.order_by("id")[:8]),
        "my_approvals_count": my_steps.count(),
        "my_approvals_url": link("approvals_approvalstep", mine="open"),
        "waiting": waiting,
        "tickets_by_status": _bars([(s, by_status.get(s, 0)) for s in ("new", "open", "pending", "resolved", "closed")]),
        "tickets_by_priority": _bars([(p, by_priority.get(p, 0)) for p in ("urgent", "high", "medium", "low")]),
        "overdue": list(open_tickets.filter(due_at__lt=now).order_by("due_at")[:8]),
        "overdue_count": open_tickets.filter(due_at__lt=now).count(),
        "overdue_url": link("helpdesk_ticket", status__in=OPEN_TICKET, due_at__lt=now.isoformat()),
        "due_soon_count": open_tickets.filter(due_at__gte=now, due_at__lt=soon).count(),
        "due_soon_url": link("helpdesk_ticket", status__in=OPEN_TICKET, due_at__gte=now.isoformat(),
                             due_at__lt=soon.isoformat()),
        # stamped by `manage.py sla_sweep` (tkt_tenant_sla_state index)
        "sla_breached_count": open_tickets.filter(sla_state="breached").count(),
        "sla_warning_count": open_tickets.filter(sla_state="warning").count(),
        "sla_breached_url": link("helpdesk_ticket", status__in=OPEN_TICKET, sla_state__exact="breached"),
        "sla_warning_url": link("helpdesk_ticket", status__in=OPEN_TICKET, sla_state__exact="warning"),
        "per_day": per_day,
        "attainment": attainment,
        "policies_due": list(_scoped(Policy, principal).filter(status="published", next_review_at__lte=now + timedelta(days=30))
                             .order_by("next_review_at")[:8]),
        "failing_webhooks": list(_scoped(Webhook, principal).filter(Q(consecutive_failures__gt=0) | Q(paused_at__isnull=False))
                                 .order_by("-consecutive_failures")[:8]),
        "queues": [
            ("My approvals", link("approvals_approvalstep", mine="open")),
            ("My tickets", link("helpdesk_ticket", queue="mine")),
            ("Unassigned tickets", link("helpdesk_ticket", queue="unassigned")),
            ("Access to provision", link("operations_accessrequest", status__exact="approved")),
            ("Travel to book", link("operations_travel", status__exact="approved")),
        ],
    }


def dashboard_callback(request, context):
    context.update(dashboard_data(request))
    return context
