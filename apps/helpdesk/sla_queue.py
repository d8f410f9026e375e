"""The SLA order of a ticket queue, in SQL: the instant each ticket's SLA badge counts to.

`sla_display.sla_view` shows the clock that runs out first (the first response while it is owed,
else the resolution); a queue sorted or counted by `due_at` alone puts a ticket whose response is
due in 50 minutes behind one whose resolution is due in 3 hours. `sla_due` is that badge's instant:
for a ticket that has breached a clock, the missed instant (in the past, so it sorts first and the
longest overdue leads); for a running one, the earliest clock still owed; none while paused or done.
"""
from datetime import datetime, timedelta

from django.db.models import Case, F, Q, QuerySet, When

from .choices import TicketStatus

NO_CLOCK = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.PENDING)
SOON = timedelta(hours=4)


def sla_due() -> Case:
    response_owed = Q(first_response_at__isnull=True, first_response_due_at__isnull=False)
    return Case(
        When(Q(status__in=NO_CLOCK) | Q(sla_policy__isnull=True), then=None),
        When(first_response_breached_at__isnull=False, then=F("first_response_due_at")),
        When(resolution_breached_at__isnull=False, then=F("due_at")),
        When(response_owed & (Q(due_at__isnull=True) | Q(first_response_due_at__lte=F("due_at"))),
             then=F("first_response_due_at")),
        default=F("due_at"),
    )


def with_sla_due(tickets: QuerySet) -> QuerySet:
    return tickets.annotate(sla_due=sla_due())


def sla_order():
    """Breached first (longest overdue leading), then least time left; tickets without a clock last."""
    return F("sla_due").asc(nulls_last=True)


def overdue(tickets: QuerySet, now: datetime) -> QuerySet:
    return with_sla_due(tickets).filter(sla_due__lt=now)


def due_soon(tickets: QuerySet, now: datetime) -> QuerySet:
    return with_sla_due(tickets).filter(sla_due__gte=now, sla_due__lt=now + SOON)
