from apps.core.dashboard import DashboardScope, dashboard_panel

from . import dashboard_charts, sla_queue
from .models import Ticket
from .reassignment import assigned_to_inactive

OPEN_TICKET = "new,open,pending"


def _open(scope: DashboardScope):
    return scope.visible(Ticket).exclude(status__in=["resolved", "closed"])


@dashboard_panel(template="dashboard/helpdesk_sla.html", order=30, model=Ticket)
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


def _charts(scope: DashboardScope) -> dict:
    """Pre-aggregated for the tenant (dashboard_charts) when the member sees every ticket of it; else the
    member's own tickets, counted now (a member's rows are few)."""
    if Ticket.visibility.sees_every_row(scope.principal) and scope.principal.app_id is None:
        return dashboard_charts.tenant_charts(scope.principal.tenant_id)
    return dashboard_charts.charts_of(scope.visible(Ticket), scope.now)


@dashboard_panel(template="dashboard/helpdesk_tickets.html", order=40, model=Ticket)
def tickets_by_status(scope: DashboardScope) -> dict:
    charts = _charts(scope)
    return {key: charts[key] for key in ("tickets_by_status", "tickets_by_priority", "charts_as_of")}


@dashboard_panel(template="dashboard/helpdesk_trends.html", order=50, model=Ticket)
def trends(scope: DashboardScope) -> dict:
    charts = _charts(scope)
    return {key: charts[key] for key in ("per_day", "attainment", "charts_as_of")}


@dashboard_panel(template="dashboard/helpdesk_reassign.html", order=35, model=Ticket)
def tickets_to_reassign(scope: DashboardScope) -> dict:
    """Open tickets assigned to someone deactivated: for agents and admins, who may reassign them."""
    if not scope.principal.has_role("agent"):
        return {"tickets_to_reassign_count": None}
    return {"tickets_to_reassign_count": assigned_to_inactive(scope.visible(Ticket)).count(),
            "tickets_to_reassign_url": scope.link("helpdesk_ticket", queue="reassign")}
