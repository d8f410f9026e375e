"""The event catalogue (apps/core/event_catalogue.py): declared once, published in the OpenAPI
`webhooks` section and docs/events.md, and checked against what the code emits (tests/conftest.py
checks every event of every test; these tests check the checker and the published forms)."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from apps.core.event_catalogue import catalogue, declare_event, validation_errors
from apps.core.events import emit
from apps.core.models import Event
from apps.helpdesk.models import Ticket
from tests.factories.helpdesk import TicketFactory


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_webhooks_section_lists_every_declared_type_with_its_payload_schema(schema):
    assert schema["openapi"].startswith("3.1")
    assert set(schema["webhooks"]) == set(catalogue())
    for name, item in schema["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["type"]["const"] == name
        ref = body["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][ref]["properties"], name


def test_docs_events_md_is_current():
    call_command("event_catalogue", "--check")


def test_a_type_is_declared_once():
    with pytest.raises(ValueError):
        declare_event(Ticket, "created", payload=catalogue()["helpdesk.ticket.created"].payload, description="again")


@pytest.mark.django_db
def test_an_undeclared_type_or_a_payload_that_does_not_validate_is_reported(events_match_the_catalogue):
    ticket = TicketFactory(tenant_id="acme")
    assert validation_errors(Event(type="helpdesk.ticket.created", payload={})) != []
    assert validation_errors(Event(type="helpdesk.ticket.exploded", payload={})) != []
    good = emit(obj=ticket, action="created")
    assert validation_errors(good) == []
    with pytest.raises(ImproperlyConfigured, match="helpdesk.ticket.exploded"):
        emit(obj=ticket, action="exploded")  # an undeclared type is never written
    emit(obj=ticket, action="updated", payload={**good.payload, "priority": "whenever"})
    emit(obj=ticket, action="updated", payload={**good.payload, "surprise": 1})
    assert len(events_match_the_catalogue) == 2  # each reported; the test then forgives them
    events_match_the_catalogue.clear()


def test_the_directory_and_domains_declare_the_events_they_emit_besides_lifecycles():
    declared = catalogue()
    for name in ("core.group.members_changed", "helpdesk.ticket.sla_breached", "policies.policy.acknowledged",
                 "operations.access_request.expiring", "integration.webhook.paused", "approvals.request.reminder"):
        assert name in declared
