"""One rule for request bodies, stated in each request schema: a body is a JSON object (`null`, an
array, a scalar or only whitespace is a 400 on every operation; no body at all is no fields), and a
server-stamped field sent back is ignored, unless its JSON type is wrong (a 400 naming it; every
resource's serializer: StampTests in its test module, tests/resource_tests.py)."""
import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.models import STAMPED_FIELDS
from apps.helpdesk.models import Ticket
from tests.resource_tests import WRONG_STAMP_TYPES

NOT_OBJECTS = ["null", "[]", '[{"title": "x"}]', "5", "true", '"text"', "   ", "\n\t "]
ECHOED = {"schema_version": 9, "id": "tkt_echoed", "tenant_id": "globex", "created_at": "2020-01-01T00:00:00Z",
          "is_deleted": True, "deleted_at": None, "created_by": "per_someone"}


@pytest.fixture
def ticket(admin_a):
    response = admin_a.post("/api/v1/helpdesk/tickets", {"title": "Printer jammed"}, format="json")
    assert response.status_code == 201
    return Ticket.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_refused_by_every_kind_of_write(admin_a, ticket, body):
    before = Ticket.objects.count(), Ticket.objects.get(pk=ticket.pk).updated_at
    for method, path in (("post", "/api/v1/helpdesk/tickets"), ("patch", f"/api/v1/helpdesk/tickets/{ticket.pk}"),
                         ("post", f"/api/v1/helpdesk/tickets/{ticket.pk}/close")):
        response = getattr(admin_a, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (method, path, body, response.content)
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == ("malformed_request" if not body.strip() else "validation_error"), problem
        assert "JSON object" in problem["detail"] or "whitespace" in problem["detail"]
    assert (Ticket.objects.count(), Ticket.objects.get(pk=ticket.pk).updated_at) == before
    assert Ticket.objects.get(pk=ticket.pk).status != "closed"


@pytest.mark.django_db
def test_no_body_is_no_fields(admin_a, ticket):
    assert admin_a.patch(f"/api/v1/helpdesk/tickets/{ticket.pk}", "", content_type="application/json").status_code == 200
    closed = admin_a.post(f"/api/v1/helpdesk/tickets/{ticket.pk}/close", "", content_type="application/json")
    assert closed.status_code == 200, closed.content
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


@pytest.mark.django_db
def test_stamps_sent_back_are_ignored_and_wrongly_typed_ones_refused(admin_a, ticket):
    echoed = admin_a.patch(f"/api/v1/helpdesk/tickets/{ticket.pk}", {**ECHOED, "title": "Printer fixed"}, format="json")
    assert echoed.status_code == 200, echoed.content
    row = Ticket.objects.get(pk=ticket.pk)
    assert (row.title, row.schema_version, row.tenant_id, row.is_deleted, row.created_by) == (
        "Printer fixed", ticket.schema_version, "acme", False, ticket.created_by)

    refused = admin_a.patch(f"/api/v1/helpdesk/tickets/{ticket.pk}", {**WRONG_STAMP_TYPES, "title": "Changed"},
                            format="json")
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == set(WRONG_STAMP_TYPES)
    assert Ticket.objects.get(pk=ticket.pk).title == "Printer fixed"
    created = admin_a.post("/api/v1/helpdesk/tickets", {"title": "New", "schema_version": {}}, format="json")
    assert created.status_code == 400 and [e["field"] for e in created.json()["errors"]] == ["schema_version"]


def test_each_request_schema_states_the_rule():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    ticket = schemas["TicketRequest"]["description"]
    assert "JSON object" in ticket and "`number`" in ticket and "`sla_state`" in ticket
    assert "JSON object" in schemas["TransitionBodyRequest"]["description"]
    assert "Server-stamped" in schemas["TicketRequest"]["properties"]["schema_version"]["description"]
    # A response whose name ends in "Request" is a record, every field required.
    access = schemas["AccessRequest"]
    assert set(access["required"]) == set(access["properties"]) >= set(STAMPED_FIELDS)
