"""The SLA as an agent reads it: time left or overdue by, coloured by state, computed live.

`Ticket.sla_state` is stamped by writes and by `sla_sweep`; between two sweeps a clock may
already have passed its warning or due instant, so the display compares with now itself.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .choices import TicketStatus

COLOURS = {  # (text, background): inline, so no stylesheet has to know them
    "running": ("#166534", "#dcfce7"),
    "warning": ("#92400e", "#fef3c7"),
    "breached": ("#991b1b", "#fee2e2"),
    "paused": ("#334155", "#e2e8f0"),
    "met": ("#115e59", "#ccfbf1"),
    "none": ("#475569", "#f1f5f9"),
}


@dataclass(frozen=True)
class SLAView:
    state: str
    label: str
    detail: str = ""
    short_label: str = ""

    @property
    def short(self) -> str:
        """For queue columns: the label without the clock's name."""
        return self.short_label or self.label

    @property
    def style(self) -> str:
        text, background = COLOURS[self.state]
        return f"color:{text};background:{background}"


def human(delta: timedelta) -> str:
    """3d 4h, 2h 05m, 12m: the two largest units."""
    minutes = max(int(abs(delta.total_seconds()) // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def _closed(ticket) -> SLAView:
    due, resolved = ticket.due_at, ticket.resolved_at
    if due and resolved and resolved > due:
        return SLAView("breached", f"Breached: resolved {human(resolved - due)} late", short_label="Breached")
    if ticket.first_response_breached_at or ticket.resolution_breached_at:
        return SLAView("breached", "Breached", "The first response came late.")
    if due and resolved:
        return SLAView("met", f"Met: resolved {human(due - resolved)} early", short_label="Met")
    return SLAView("met", "Met")


def sla_view(ticket, *, now: datetime | None = None) -> SLAView:
    now = now or timezone.now()
    if ticket.sla_policy_id is None:
        return SLAView("none", "No SLA")
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return _closed(ticket)
    if ticket.status == TicketStatus.PENDING:
        return SLAView("paused", "Paused", "Waiting on the requester or a third party; the clock stands still.")
    clocks = []
    if ticket.first_response_at is None and ticket.first_response_due_at:
        clocks.append(("Response", ticket.first_response_due_at, ticket.first_response_warn_at,
                       ticket.first_response_warned_at))
    if ticket.due_at:
        clocks.append(("Resolution", ticket.due_at, ticket.resolution_warn_at, ticket.resolution_warned_at))
    if not clocks:
        return SLAView("running", "Running")
    overdue = [c for c in clocks if c[1] <= now]
    name, due, warn_at, warned = overdue[0] if overdue else min(clocks, key=lambda c: c[1])
    detail = f"{name} due {timezone.localtime(due):%Y-%m-%d %H:%M}"
    if ticket.first_response_breached_at and ticket.first_response_at:
        detail += "; the first response came late"
    if overdue:
        return SLAView("breached", f"{name} overdue by {human(now - due)}", detail, f"Overdue {human(now - due)}")
    breached_before = ticket.first_response_breached_at or ticket.resolution_breached_at
    warning = warned or (warn_at and warn_at <= now)
    state = "breached" if breached_before else "warning" if warning else "running"
    return SLAView(state, f"{name}: {human(due - now)} left", detail, f"{human(due - now)} left")
