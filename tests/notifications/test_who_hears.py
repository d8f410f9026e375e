"""Agents on assignment, requester replies and SLA alerts; tenant admins when a webhook is paused."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.principal import Principal
from apps.helpdesk.services import (
    ticket_comment_create,
    ticket_create,
    ticket_sla_sweep,
    ticket_update,
)
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification
from tests.factories import SLAPolicyFactory
from tests.integration.conftest import Receiver

pytestmark = pytest.mark.django_db
MEMBER = Principal(person_id="per_member", tenant_id="acme")
AGENT = Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"}))
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))


def subjects(smtp, address):
    return [m.subject for m in smtp.to(address)]


def test_agents_hear_of_assignment_once_and_of_the_requesters_replies(smtp, team):
    ticket = ticket_create(actor=MEMBER, data={"title": "VPN down", "priority": "high"})
    ticket = ticket_update(actor=BOSS, obj=ticket, data={"assigned_to_id": "per_agent"})
    ticket = ticket_update(actor=BOSS, obj=ticket, data={"category": "network"})  # same assignee: no news
    run_pass()
    assert subjects(smtp, "agent@acme.test") == [f"[Acme Corp] Ticket {ticket.number} assigned to you: VPN down"]

    ticket_comment_create(actor=AGENT, ticket=ticket, body="Looking into it")  # the agent's own reply
    ticket_comment_create(actor=AGENT, ticket=ticket, body="note", internal=True)
    ticket_comment_create(actor=MEMBER, ticket=ticket, body="Still down & <b>urgent</b>")
    run_pass()
    replies = smtp.to("agent@acme.test")[1:]
    assert [m.subject for m in replies] == [f"[Acme Corp] Reply on {ticket.number}: VPN down"]
    assert "Still down & <b>urgent</b>" in replies[0].part("plain")
    assert "Still down &amp; &lt;b&gt;urgent&lt;/b&gt;" in replies[0].part("html")  # escaped in HTML
    # The requester hears of the agent's public reply (apps/helpdesk_mail threads it), not of the note or their own
    assert [m.subject for m in smtp.to("member@acme.test")] == [f"[Acme Corp] [{ticket.number}] New reply: VPN down"]


def test_sla_warning_and_breach_reach_the_assignee(smtp, team):
    SLAPolicyFactory(name="high", priority="high", first_response_minutes=10, resolution_minutes=60)
    ticket = ticket_create(actor=BOSS, data={"title": "Mail down", "priority": "high", "assigned_to_id": "per_agent"})
    run_pass()
    ticket_sla_sweep(now=timezone.now() + timedelta(minutes=11))
    run_pass()
    sla = subjects(smtp, "agent@acme.test")[1:]
    assert sla == [f"[Acme Corp] SLA warning on {ticket.number} (first_response)",
                   f"[Acme Corp] SLA breached on {ticket.number} (first_response)"]
    kinds = Notification.objects.filter(recipient_id="per_agent").values_list("kind", flat=True)
    assert sorted(kinds) == ["sla_breach", "sla_warning", "ticket_assigned"]


def test_tenant_admins_hear_when_a_webhook_is_paused(smtp, team, admin_a, settings):
    from apps.integration.delivery_engine import run_pass as deliver

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 1
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    receiver = Receiver()
    receiver.script = [500]
    try:
        created = admin_a.post("/api/v1/integration/webhooks", {"name": "CRM sync", "url": receiver.url,
                                                                "event_types": ["helpdesk.*"]}, format="json")
        assert created.status_code == 201, created.content
        ticket_create(actor=MEMBER, data={"title": "x"})
        assert deliver()["retrying"] == 1
    finally:
        receiver.close()
    run_pass()
    assert subjects(smtp, "boss@acme.test") == ["[Acme Corp] Webhook paused: CRM sync"]
    assert smtp.to("gina@globex.test") == []  # another tenant's admin hears nothing
    assert "1 failed deliveries" in smtp.to("boss@acme.test")[0].part("plain")
