"""Refusals say why and deliveries say what: reject, cancel and block need a reason (API, admin
button, bulk action; the e-mail link in tests/notifications/test_mail.py), kept on the record;
booking keeps its reference and cost, fulfilment and provisioning their note, shown on the record.
A bad input is a 400 (or a form error) that changes nothing, and the admin form keeps what was typed."""
import pytest
from django.urls import reverse

from apps.operations.models import AccessRequest, HRRequest, Pending, Travel
from tests.core.test_admin_base import staff
from tests.operations.test_operations_api import create, people, url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def problem(response, *fields: str) -> None:
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert set(fields) <= {e["field"] for e in response.json()["errors"]}, response.content


def test_reject_cancel_and_block_need_a_reason_over_the_api(people):
    access = create(people["member"], "AccessRequest")
    problem(people["approver"].post(url("AccessRequest", access, "/reject"), {}, format="json"), "comment")
    problem(people["approver"].post(url("AccessRequest", access, "/reject"), {"comment": "  "}, format="json"), "comment")
    assert AccessRequest.objects.get().status == "pending"
    done = people["approver"].post(url("AccessRequest", access, "/reject"), {"comment": "Use the team account"}, format="json")
    assert done.status_code == 200 and done.json()["rejection_reason"] == "Use the team account"
    assert AccessRequest.objects.get().rejection_reason == "Use the team account"

    trip = create(people["member"], "Travel")
    problem(people["member"].post(url("Travel", trip, "/cancel"), {}, format="json"), "comment")
    assert people["member"].post(url("Travel", trip, "/cancel"), {"comment": "Meeting moved online"},
                                 format="json").status_code == 200
    assert (Travel.objects.get().status, Travel.objects.get().cancellation_reason) == ("cancelled", "Meeting moved online")

    item = create(people["member"], "Pending")
    problem(people["member"].post(url("Pending", item, "/block"), {}, format="json"), "comment")
    assert people["member"].post(url("Pending", item, "/block"), {"comment": "Vendor silent"}, format="json").status_code == 200
    assert (Pending.objects.get().status, Pending.objects.get().blocked_reason) == ("blocked", "Vendor silent")


def test_booking_and_fulfilment_record_what_was_delivered(people):
    trip = create(people["member"], "Travel")
    people["approver"].post(url("Travel", trip, "/approve"), {}, format="json")
    problem(people["travel"].post(url("Travel", trip, "/book"), {}, format="json"), "booking_reference", "booked_cost")
    problem(people["travel"].post(url("Travel", trip, "/book"), {"booking_reference": "LH-1", "booked_cost": "-3"},
                                  format="json"), "booked_cost")
    assert Travel.objects.get().status == "approved"
    booked = people["travel"].post(url("Travel", trip, "/book"), {"booking_reference": "LH-4711", "booked_cost": "980.50"},
                                   format="json")
    assert booked.status_code == 200, booked.content
    trip_row = Travel.objects.get()
    assert (trip_row.status, trip_row.booking_reference, str(trip_row.booked_cost)) == ("booked", "LH-4711", "980.50")

    letter = create(people["member"], "HRRequest")
    people["hr"].post(url("HRRequest", letter, "/fulfill"), {"comment": "Signed copy in your mailbox"}, format="json")
    assert HRRequest.objects.get().fulfilment_note == "Signed copy in your mailbox"


def test_the_admin_button_needs_the_reason_keeps_what_was_typed_and_shows_the_outcome(client, people):
    trip = create(people["member"], "Travel")
    people["approver"].post(url("Travel", trip, "/approve"), {}, format="json")
    staff(client, "acme", "travel", ["travel"])
    change = reverse("admin:operations_travel_change", args=[trip["id"]])
    page = client.get(change).content.decode()
    assert 'name="booking_reference"' in page and 'type="number" name="booked_cost"' in page
    book = reverse("admin:operations_travel_transition", args=[trip["id"], "book"])
    client.post(book, {"booking_reference": "LH-4711", "comment": "window seat"})  # no cost: refused
    assert Travel.objects.get().status == "approved"
    page = client.get(change).content.decode()
    assert 'value="LH-4711"' in page and "window seat</textarea>" in page  # the form as it was typed
    client.post(book, {"booking_reference": "LH-4711", "booked_cost": "980.50"})
    assert Travel.objects.get().status == "booked"
    page = client.get(change).content.decode()
    assert "Outcome" in page and "LH-4711" in page and "980" in page

    cancel = client.get(change).context["fsm_transitions"]
    assert next(t for t in cancel if t["name"] == "cancel")["reason"] is True
    client.post(reverse("admin:operations_travel_transition", args=[trip["id"], "cancel"]), {})
    assert Travel.objects.get().status == "booked"
    assert "the reason, required to cancel" in client.get(change).content.decode()


def test_bulk_reject_asks_one_reason_for_every_row(client, people):
    records = [create(people["member"], "AccessRequest") for _ in range(2)]
    staff(client, "acme", "approver", ["approver"])
    changelist = reverse("admin:operations_accessrequest_changelist")
    chosen = {"action": "bulk_reject", "_selected_action": [r["id"] for r in records]}
    asked = client.post(changelist, chosen)
    assert asked.status_code == 200 and 'name="bulk_reason"' in asked.content.decode()
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"pending"}
    again = client.post(changelist, {**chosen, "apply": "yes", "bulk_reason": " "})
    assert "the reason is required" in again.content.decode()
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"pending"}
    client.post(changelist, {**chosen, "apply": "yes", "bulk_reason": "Budget freeze"})
    assert set(AccessRequest.objects.values_list("status", "rejection_reason")) == {("rejected", "Budget freeze")}
