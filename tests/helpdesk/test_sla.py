"""The SLA clock: business calendars, pauses from the status history, first responses, the sweep."""
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.helpdesk.actions import ticket_hold, ticket_open, ticket_reopen, ticket_resolve
from apps.core.models import Event
from apps.core.principal import Principal
from apps.helpdesk.models import BusinessCalendar, Ticket, TicketComment
from apps.helpdesk.services import ticket_create, ticket_sla_sweep
from apps.helpdesk.sla import refresh_sla
from tests.factories import BusinessCalendarFactory, SLAPolicyFactory

TICKETS = "/api/v1/helpdesk/tickets"
pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_admin", tenant_id="acme", roles=frozenset({"admin"}))
MEMBER = Principal(person_id="per_member", tenant_id="acme")


def make_policy(*, priority="high", first=30, resolution=240, business_hours_only=False, tenant="acme"):
    return SLAPolicyFactory(tenant_id=tenant, name=f"{priority} {first}/{resolution}", priority=priority,
                            first_response_minutes=first, resolution_minutes=resolution,
                            business_hours_only=business_hours_only)


def make_ticket(*, priority="high", actor=MEMBER, **data) -> Ticket:
    return ticket_create(actor=actor, data={"title": "VPN down", "type": "incident", "priority": priority, **data})


def set_history(ticket: Ticket, *moments: datetime) -> None:
    """Rewrite the history timestamps (oldest first) so the clock can be checked against known times."""
    rows = list(ticket.history.order_by("history_date", "history_id"))
    assert len(rows) == len(moments), [r.status for r in rows]
    for row, moment in zip(rows, moments, strict=True):
        type(row).objects.filter(pk=row.pk).update(history_date=moment)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moments[0])
    ticket.refresh_from_db()


# --------------------------------------------------------------------------- calendar

def test_business_hours_policy_skips_nights_weekends_and_holidays():
    BusinessCalendarFactory(time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BY",
                            closed_dates=["2026-12-24", "2026-12-28"])
    make_policy(first=60, resolution=240, business_hours_only=True)
    ticket = make_ticket()
    # Wednesday 23 Dec 2026, 15:00 Berlin (14:00 UTC). Working 09-17: 2h that day, then
    # 24 Dec closed, 25/26 Dec public holidays, 27 Dec Sunday, 28 Dec closed -> Tue 29 Dec.
    created = datetime(2026, 12, 23, 14, 0, tzinfo=UTC)
    set_history(ticket, created)
    refresh_sla(ticket, now=created)
    assert ticket.first_response_due_at == datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    assert ticket.due_at == datetime(2026, 12, 29, 10, 0, tzinfo=UTC)  # 11:00 Berlin
    # 80% of 240 min = 192 min: 120 on Wednesday, 72 on Tuesday from 09:00 Berlin.
    assert ticket.resolution_warn_at == datetime(2026, 12, 29, 9, 12, tzinfo=UTC)


def test_policy_without_business_hours_runs_around_the_clock():
    make_policy(first=30, resolution=240)
    ticket = make_ticket()
    assert ticket.due_at - ticket.created_at == timedelta(minutes=240)
    assert ticket.first_response_due_at - ticket.created_at == timedelta(minutes=30)
    assert ticket.sla_state == "running" and ticket.sla_policy is not None


def test_ticket_without_matching_policy_has_no_clock():
    ticket = make_ticket(priority="low")
    assert ticket.sla_state == "none" and ticket.due_at is None


@pytest.mark.parametrize("field,value", [
    ("time_zone", "Mars/Olympus"),
    ("working_hours", {"mon": [["25:00", "26:00"]]}),
    ("working_hours", {"funday": [["09:00", "17:00"]]}),
    ("working_hours", {"mon": []}),
    ("holiday_country", "XX"),
    ("closed_dates", ["not-a-date"]),
])
def test_calendar_validation(field, value):
    calendar = BusinessCalendar(tenant_id="acme", **{field: value})
    with pytest.raises(ValidationError) as exc:
        calendar.full_clean()
    assert field in exc.value.message_dict


# --------------------------------------------------------------------------- pause and resume

def test_pending_pauses_the_clock_and_resume_extends_due_by_the_pause(caller):
    make_policy(first=30, resolution=240)
    agent = caller("acme", "per_agent", ("agent",))
    ticket = agent.post(TICKETS, {"title": "Mail", "type": "incident", "priority": "high"}, format="json").json()
    held = agent.post(f"{TICKETS}/{ticket['id']}/hold", {}, format="json").json()
    assert held["sla_state"] == "paused" and held["due_at"] is None
    opened = agent.post(f"{TICKETS}/{ticket['id']}/open", {}, format="json").json()
    assert opened["sla_state"] == "running"
    assert opened["due_at"] > ticket["due_at"]  # the pause was added


def test_pauses_are_read_from_history_and_survive_a_priority_change(admin_a):
    make_policy(priority="high", first=30, resolution=240)
    make_policy(priority="urgent", first=15, resolution=120)
    agent = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
    ticket = make_ticket()

    ticket_hold(actor=agent, ticket=ticket)
    ticket = ticket_open(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk))
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    # created 08:00, pending 08:30-10:30 (two hours), open again since 10:30
    set_history(ticket, t0, t0 + timedelta(minutes=30), t0 + timedelta(hours=2, minutes=30))
    refresh_sla(ticket, now=t0 + timedelta(hours=3))
    assert ticket.due_at == t0 + timedelta(minutes=240 + 120)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.due_at)

    response = admin_a.patch(f"{TICKETS}/{ticket.pk}", {"priority": "urgent"}, format="json")
    assert response.status_code == 200, response.content
    # urgent: 120 minutes of clock, plus the same two-hour pause (GLPI #6902 forgets it)
    assert response.json()["due_at"] == (t0 + timedelta(minutes=120 + 120)).isoformat().replace("+00:00", "Z")
    assert response.json()["first_response_due_at"].startswith("2026-03-02T08:15")


def test_resolved_time_does_not_count_after_reopen():
    make_policy(first=30, resolution=240)
    agent = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))

    ticket = make_ticket()
    ticket = ticket_resolve(actor=agent, ticket=ticket)
    assert ticket.sla_state == "met"
    ticket = ticket_reopen(actor=agent, ticket=ticket)
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    set_history(ticket, t0, t0 + timedelta(hours=1), t0 + timedelta(hours=25))  # resolved for a day
    refresh_sla(ticket, now=t0 + timedelta(hours=26))
    assert ticket.due_at == t0 + timedelta(hours=24 + 4)


# --------------------------------------------------------------------------- comments

def test_first_public_reply_by_someone_else_stamps_first_response(caller):
    make_policy()
    member, agent = caller("acme", "per_member", ()), caller("acme", "per_agent", ("agent",))
    ticket = member.post(TICKETS, {"title": "Mail", "type": "incident", "priority": "high"}, format="json").json()
    url = f"{TICKETS}/{ticket['id']}/comments"

    assert member.post(url, {"body": "Any news?"}, format="json").status_code == 201
    assert agent.post(url, {"body": "Checked logs", "internal": True}, format="json").status_code == 201
    assert member.get(f"{TICKETS}/{ticket['id']}").json()["first_response_at"] is None

    reply = agent.post(url, {"body": "On it"}, format="json")
    assert reply.status_code == 201 and reply.json()["author_id"] == "per_agent"
    stamped = member.get(f"{TICKETS}/{ticket['id']}").json()["first_response_at"]
    assert stamped == reply.json()["created_at"]
    agent.post(url, {"body": "Second reply"}, format="json")
    assert member.get(f"{TICKETS}/{ticket['id']}").json()["first_response_at"] == stamped
    assert Event.objects.filter(type="helpdesk.ticket.first_responded", entity_id=ticket["id"]).count() == 1

    bodies = [c["body"] for c in member.get(url).json()["results"]]
    assert bodies == ["Any news?", "On it", "Second reply"]  # internal note hidden from the member
    assert [c["internal"] for c in agent.get(url).json()["results"]] == [False, True, False, False]
    first = agent.get(url, {"page_size": 2}).json()  # a cursor page like every list
    assert [c["body"] for c in first["results"]] == ["Any news?", "Checked logs"] and first["next"]
    assert [c["body"] for c in agent.get(first["next"]).json()["results"]] == ["On it", "Second reply"]


def test_comment_rules(caller):
    member, agent = caller("acme", "per_member", ()), caller("acme", "per_agent", ("agent",))
    ticket = member.post(TICKETS, {"title": "Mail", "type": "incident"}, format="json").json()
    url = f"{TICKETS}/{ticket['id']}/comments"
    denied = member.post(url, {"body": "psst", "internal": True}, format="json")
    assert denied.status_code == 403 and denied["Content-Type"].startswith("application/problem+json")
    assert member.post(url, {"body": ""}, format="json").status_code == 400
    assert member.post(url, {"body": "x" * 20_001}, format="json").status_code == 400
    assert member.post(url, {"internal": "maybe", "body": "x"}, format="json").status_code == 400
    assert caller("acme", "per_stranger", ()).get(url).status_code == 404
    assert caller("globex", "per_agent", ("agent",)).post(url, {"body": "hi"}, format="json").status_code == 404
    assert agent.get(url).status_code == 200


def test_a_comment_takes_the_documented_tags_and_source(caller):
    member = caller("acme", "per_member", ())
    ticket = member.post(TICKETS, {"title": "Mail", "type": "incident"}, format="json").json()
    url = f"{TICKETS}/{ticket['id']}/comments"
    response = member.post(url, {"body": "Any news?", "tags": ["follow-up"], "source": "portal"}, format="json")
    assert response.status_code == 201, response.content
    comment = TicketComment.objects.get(pk=response.json()["id"])
    assert (comment.tags, comment.source, comment.body) == (["follow-up"], "portal", "Any news?")
    assert member.post(url, {"body": "x", "tags": None}, format="json").status_code == 400
    assert TicketComment.objects.filter(ticket_id=ticket["id"]).count() == 1


# --------------------------------------------------------------------------- sweep

def sweep_at(minutes_from_now: int, **kwargs):
    return ticket_sla_sweep(now=timezone.now() + timedelta(minutes=minutes_from_now), **kwargs)


def test_sweep_warns_then_breaches_once_each():
    make_policy(first=30, resolution=240)
    ticket = make_ticket()
    assert sweep_at(10) == {"first_response_warning": 0, "first_response_breached": 0,
                            "resolution_warning": 0, "resolution_breached": 0}
    assert sweep_at(25)["first_response_warning"] == 1  # 80% of 30 minutes
    ticket.refresh_from_db()
    assert ticket.sla_state == "warning" and ticket.first_response_warned_at is not None
    assert sweep_at(26)["first_response_warning"] == 0
    counts = sweep_at(300)
    assert counts == {"first_response_warning": 0, "first_response_breached": 1,
                      "resolution_warning": 1, "resolution_breached": 1}
    assert sweep_at(400) == dict.fromkeys(counts, 0)
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
    types = sorted(Event.objects.filter(entity_id=ticket.pk, type__startswith="helpdesk.ticket.sla_")
                   .values_list("type", "payload__clock"))
    assert types == [("helpdesk.ticket.sla_breached", "first_response"), ("helpdesk.ticket.sla_breached", "resolution"),
                     ("helpdesk.ticket.sla_warning", "first_response"), ("helpdesk.ticket.sla_warning", "resolution")]


def test_sweep_skips_answered_paused_and_resolved_tickets():
    make_policy(first=30, resolution=240)
    agent = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
    from apps.helpdesk.services import ticket_comment_create

    answered, paused, resolved = make_ticket(), make_ticket(), make_ticket()
    ticket_comment_create(actor=agent, ticket=answered, body="Hello")
    ticket_hold(actor=agent, ticket=paused)
    ticket_resolve(actor=agent, ticket=resolved)
    counts = sweep_at(35)
    assert counts["first_response_breached"] == 0 and counts["first_response_warning"] == 0


def test_sweep_query_count_does_not_grow_with_tickets(django_assert_num_queries):
    make_policy(first=30, resolution=240)
    for _ in range(3):
        make_ticket()
    with CaptureQueriesContext(connection) as small:
        assert sweep_at(300, batch_size=1000)["resolution_breached"] == 3
    for _ in range(40):
        make_ticket()
    with CaptureQueriesContext(connection) as large:
        assert sweep_at(300, batch_size=1000)["resolution_breached"] == 40
    assert len(large.captured_queries) == len(small.captured_queries)


def test_breach_state_is_filterable_and_read_only(admin_a):
    make_policy(first=30, resolution=240)
    late, fine = make_ticket(), make_ticket(priority="low")
    sweep_at(300)
    assert [t["id"] for t in admin_a.get(f"{TICKETS}?sla_state=breached").json()["results"]] == [late.pk]
    assert [t["id"] for t in admin_a.get(f"{TICKETS}?resolution_breached_at__gte=2000-01-01T00:00:00Z")
            .json()["results"]] == [late.pk]
    assert admin_a.get(f"{TICKETS}?sla_state=nonsense").status_code == 400
    admin_a.patch(f"{TICKETS}/{fine.pk}", {"sla_state": "met", "resolution_breached_at": None}, format="json")
    fine.refresh_from_db()
    assert fine.sla_state == "none"


def test_sla_sweep_command_prints_counts():
    from io import StringIO

    make_policy(first=30, resolution=240)
    make_ticket()
    Ticket.objects.update(first_response_warn_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("sla_sweep", stdout=out)
    assert "first-response warnings: 1" in out.getvalue() and "queries:" in out.getvalue()


def test_late_resolution_between_sweeps_is_a_breach_once(caller):
    make_policy(first=30, resolution=240)
    agent = caller("acme", "per_agent", ("agent",))
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    resolved = agent.post(f"{TICKETS}/{ticket.pk}/resolve", {}, format="json").json()
    assert resolved["sla_state"] == "breached" and resolved["resolution_breached_at"]
    agent.post(f"{TICKETS}/{ticket.pk}/close", {}, format="json")
    breaches = Event.objects.filter(entity_id=ticket.pk, type="helpdesk.ticket.sla_breached")
    assert [e.payload["clock"] for e in breaches] == ["resolution"]
    assert sweep_at(600)["resolution_breached"] == 0


def test_resolution_in_time_is_met(caller):
    make_policy(first=30, resolution=240)
    ticket = make_ticket()
    resolved = caller("acme", "per_agent", ("agent",)).post(f"{TICKETS}/{ticket.pk}/resolve", {}, format="json").json()
    assert resolved["sla_state"] == "met" and resolved["resolution_breached_at"] is None
    assert not Event.objects.filter(entity_id=ticket.pk, type="helpdesk.ticket.sla_breached").exists()
