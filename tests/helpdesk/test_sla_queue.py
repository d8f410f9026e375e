"""The agent's queue in SLA order, and the dashboard's SLA counts equal to the lists they link to."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from apps.core.dashboard import DashboardScope, panels
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.helpdesk.sla_display import sla_view
from tests.factories import SLAPolicyFactory, StaffMembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    user = StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username="agent",
                                  user__password="pw-123456", person_id="per_agent", roles=["agent"]).user
    client.force_login(user)
    return client


@pytest.fixture
def queue(db):
    """Tickets whose badges read, in the order an agent must take them:
    breached on the first response 2 h ago (resolution still 5 h away), resolution overdue by 10 m (no sweep yet),
    response due in 50 m (resolution in 8 h), resolution in 55 m, resolution in 3 h 51 m; then a paused one."""
    now = timezone.now()
    policy = SLAPolicyFactory(tenant_id="acme", priority="high", first_response_minutes=60, resolution_minutes=480)

    def ticket(title, *, status="open", responded=True, response_due=None, due=None, **stamps):
        return TicketFactory(tenant_id="acme", title=title, status=status, priority="high", sla_policy=policy,
                             first_response_at=now - timedelta(hours=3) if responded else None,
                             first_response_due_at=response_due, due_at=due, **stamps)

    return [
        ticket("breached response", response_due=now - timedelta(hours=2), due=now + timedelta(hours=5),
               first_response_breached_at=now - timedelta(hours=2)),
        ticket("overdue resolution", due=now - timedelta(minutes=10)),
        ticket("response owed", responded=False, response_due=now + timedelta(minutes=50),
               due=now + timedelta(hours=8)),
        ticket("resolution soon", due=now + timedelta(minutes=55)),
        ticket("resolution later", due=now + timedelta(hours=3, minutes=51)),
        ticket("paused", status="pending", due=None),
    ]


def _titles_on_page(html: str, titles: list[str]) -> list[str]:
    return sorted((t for t in titles if t in html), key=html.index)


def test_sorting_by_the_sla_column_puts_breached_first_then_least_time_left(agent, queue):
    changelist = reverse("admin:helpdesk_ticket_changelist")
    column = agent.get(changelist).context["cl"].list_display.index("sla")
    page = agent.get(changelist, {"o": str(column)})
    assert page.status_code == 200
    titles = [t.title for t in queue]
    assert _titles_on_page(page.content.decode(), titles) == titles
    # The badges agree: both breached ones first, then time left ascending.
    views = [sla_view(t) for t in queue]
    assert [v.state for v in views[:2]] == ["breached", "breached"]
    left = [re.fullmatch(r"(?:(\d+)h )?(\d+)m left", v.short).groups() for v in views[2:5]]
    minutes = [int(h or 0) * 60 + int(m) for h, m in left]
    assert minutes == sorted(minutes) and minutes[0] < 55 < minutes[-1]


def test_every_dashboard_count_equals_the_list_it_links_to(agent, queue):
    """Each `<name>_count` a panel shows links (its `<name>_url`) to a list of exactly that many rows."""
    principal = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
    scope = DashboardScope(principal=principal, now=timezone.now(), superuser=False)
    compared = 0
    for panel in panels():
        context = panel.build(scope)
        for key, count in context.items():
            url = context.get(key.removesuffix("_count") + "_url") if key.endswith("_count") else None
            if url is None:
                continue
            listing = agent.get(url)
            assert listing.status_code == 200, url
            cl = listing.context["cl"]
            assert cl.queryset.count() == count, f"{key}: the dashboard says {count}, {url} lists {cl.queryset.count()}"
            compared += 1
    assert compared >= 4
    due = Ticket.objects.filter(title__in=["response owed", "resolution soon", "resolution later"])
    assert due.count() == 3  # all three are due within 4 h by their badges, the response one by its response clock


def test_due_within_four_hours_counts_the_response_clock(agent, queue):
    scope = DashboardScope(principal=Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"})),
                           now=timezone.now(), superuser=False)
    sla = next(p for p in panels() if p.template.endswith("helpdesk_sla.html")).build(scope)
    assert (sla["overdue_count"], sla["due_soon_count"]) == (2, 3)
    assert [t.title for t in sla["overdue"]] == ["breached response", "overdue resolution"]


def test_staff_see_the_sla_clock_filter(agent, queue):
    page = agent.get(reverse("admin:helpdesk_ticket_changelist"), {"sla_due": "soon"})
    assert {t.title for t in page.context["cl"].result_list} == {"response owed", "resolution soon", "resolution later"}
    assert User.objects.filter(username="agent").exists()
