from datetime import timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate, TruncWeek

from apps.core.dashboard import DashboardScope, bars, dashboard_panel

from . import sla_queue
from .models import Ticket
from .reassignment import assigned_to_inactive

DAYS = 14
WEEKS = 8
OPEN_TICKET = "new,open,pending"


def _open(scope: DashboardScope):
    return scope.visible(Ticket).exclude(status__in=["resolved", "closed"])


@dashboard_panel(template="dashboard/helpdesk_sla.html", order=30)
def sla(scope: DashboardScope) -> dict:
    open_tickets, now = _open(scope), scope.now
    link = scope.link
    overdue, due_soon = sla_queue.overdue(open_tickets, now), sla_queue.due_soon(open_tickets, now)
    return {
        "overdue": list(overdue.order_by(sla_queue.sla_order())[:8]),
        "overdue_count": overdue.count(),
        "overdue_url": link("helpdesk_ticket", sla_due="overdue"),
        "due_soon_count": due_soon.count(),
        "due_soon_url": link("helpdesk_ticket", sla_due="soon"),
        # stamped by `manage.py sla_sweep` (tkt_tenant_sla_state index)
        "sla_breached_count": open_tickets.filter(sla_state="breached").count(),
        "sla_warning_count": open_tickets.filter(sla_state="warning").count(),
        "sla_breached_url": link("helpdesk_ticket", status__in=OPEN_TICKET, sla_state__exact="breached"),
        "sla_warning_url": link("helpdesk_ticket", status__in=OPEN_TICKET, sla_state__exact="warning"),
        "queues": [("My tickets", link("helpdesk_ticket", queue="mine")),
                   ("Unassigned tickets", link("helpdesk_ticket", queue="unassigned"))],
    }


@dashboard_panel(template="dashboard/helpdesk_tickets.html", order=40)
def tickets_by_status(scope: DashboardScope) -> dict:
    tickets = scope.visible(Ticket)
    by_status = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    by_priority = dict(_open(scope).values_list("priority").annotate(n=Count("id")).order_by())
    return {
        "tickets_by_status": bars([(s, by_status.get(s, 0)) for s in ("new", "open", "pending", "resolved", "closed")]),
        "tickets_by_priority": bars([(p, by_priority.get(p, 0)) for p in ("urgent", "high", "medium", "low")]),
    }


@dashboard_panel(template="dashboard/helpdesk_trends.html", order=50)
def trends(scope: DashboardScope) -> dict:
    tickets, now = scope.visible(Ticket), scope.now
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
    return {"per_day": per_day, "attainment": attainment}


@dashboard_panel(template="dashboard/helpdesk_reassign.html", order=35)
def tickets_to_reassign(scope: DashboardScope) -> dict:
    """Open tickets assigned to someone deactivated: for agents and admins, who may reassign them."""
    if not scope.principal.has_role("agent"):
        return {"tickets_to_reassign_count": None}
    return {"tickets_to_reassign_count": assigned_to_inactive(scope.visible(Ticket)).count(),
            "tickets_to_reassign_url": scope.link("helpdesk_ticket", queue="reassign")}
