"""What a write costs in statements and transactions, and optimistic state checks on a stale instance."""
import pytest

from apps.core.fsm import state_field
from apps.core.models import TenantModel
from apps.helpdesk.models import Ticket
from tests.quality.routes import build_record

pytestmark = pytest.mark.django_db


def test_a_stale_instance_still_cannot_save_over_a_transition():
    from django_fsm import ConcurrentTransition

    ticket = build_record(Ticket, tenant="acme")
    first, second = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    field = state_field(Ticket)
    others = [v for v, _ in field.choices if v != getattr(first, field.attname)]
    Ticket.objects.filter(pk=ticket.pk).update(**{field.attname: others[0]})
    assert isinstance(first, TenantModel)
    with pytest.raises(ConcurrentTransition):
        second.save()


def test_a_ticket_create_costs_a_fixed_number_of_statements(caller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = caller("acme", "per_agent", ("agent",))
    body = {"title": "Printer", "description": "jammed", "type": "incident", "priority": "high"}
    assert agent.post("/api/v1/helpdesk/tickets", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert agent.post("/api/v1/helpdesk/tickets", body, format="json").status_code == 201
    statements = [q["sql"].split()[0] for q in ctx.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # the token subject's active flag (DEBUG: DIRECTORY_ACTIVE_CACHE_SECONDS=0), the SLA policy, then
    # (holding the counter's row lock as briefly as possible) counter upsert, ticket, its history row,
    # the outbox event
    assert statements == ["SELECT", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"], ctx.captured_queries
    counter_at = next(i for i, q in enumerate(ctx.captured_queries) if "core_counter" in q["sql"])
    ticket_at = next(i for i, q in enumerate(ctx.captured_queries) if q["sql"].startswith('INSERT INTO "helpdesk_ticket"'))
    assert ticket_at == counter_at + 1, "nothing runs between taking the counter lock and the INSERT"


def test_a_ticket_transition_opens_one_transaction_and_no_savepoint_inside(caller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = caller("acme", "per_agent", ("agent",))
    body = {"title": "Printer", "description": "jammed", "type": "incident", "priority": "high"}
    ticket = agent.post("/api/v1/helpdesk/tickets", body, format="json").json()
    with CaptureQueriesContext(connection) as ctx:
        assert agent.post(f"/api/v1/helpdesk/tickets/{ticket['id']}/resolve", {}, format="json").status_code == 200
    # Under the test's transaction the view's block (only inside a caller's transaction) and the
    # service's (BEGIN in production) are savepoints; the generic transition inside adds none.
    savepoints = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2, "\n".join(q["sql"][:90] for q in ctx.captured_queries)
