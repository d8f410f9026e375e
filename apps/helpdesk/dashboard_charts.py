"""The staff dashboard's ticket charts (tickets by status and priority, opened vs resolved per day, SLA
attainment per week), aggregated per tenant by the scheduler (`refresh_dashboard_charts`) and kept in the
cache: a dashboard view reads one entry instead of grouping every ticket of the tenant. A tenant with no
entry yet (first view, cache emptied) gets its charts computed once and stored. The charts link to no
list; the dashboard's linked counts stay live (apps/helpdesk/dashboard.py)."""
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from apps.core.dashboard import bars

DAYS = 14
WEEKS = 8
REFRESH_SECONDS = 300  # the scheduler's period
KEEP_SECONDS = 3 * REFRESH_SECONDS  # an entry outlives two missed refreshes, then is computed on view


def cache_key(tenant_id: str) -> str:
    return f"dashboard:ticket-charts:{tenant_id}"


def charts_of(tickets: QuerySet, now: datetime) -> dict:
    """The charts of `tickets` (one tenant's, as a staff member who sees them all sees them)."""
    by_status = dict(tickets.values_list("status").annotate(n=Count("id")).order_by())
    by_priority = dict(tickets.exclude(status__in=["resolved", "closed"]).values_list("priority")
                       .annotate(n=Count("id")).order_by())
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
        "tickets_by_status": bars([(s, by_status.get(s, 0)) for s in ("new", "open", "pending", "resolved", "closed")]),
        "tickets_by_priority": bars([(p, by_priority.get(p, 0)) for p in ("urgent", "high", "medium", "low")]),
        "per_day": per_day, "attainment": attainment, "charts_as_of": now,
    }


def tenant_tickets(tenant_id: str) -> QuerySet:
    from apps.core.principal import system_principal

    from .models import Ticket

    return Ticket.objects.visible_to(system_principal(tenant_id))


def refresh(tenant_id: str, now: datetime | None = None) -> dict:
    charts = charts_of(tenant_tickets(tenant_id), now or timezone.now())
    cache.set(cache_key(tenant_id), charts, KEEP_SECONDS)
    return charts


def tenant_charts(tenant_id: str) -> dict:
    """The tenant's charts as last aggregated (computed and stored now if there are none)."""
    return cache.get(cache_key(tenant_id)) or refresh(tenant_id)


def refresh_all() -> int:
    """The scheduler's job: every tenant's charts aggregated again; returns how many tenants."""
    from apps.core.models import Tenant

    now = timezone.now()
    tenants = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenants:
        refresh(tenant_id, now)
    return len(tenants)
