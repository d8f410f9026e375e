"""The bench's peer (tests/bench/peer) answers every bench scenario with real rows, scoped to the caller's tenant."""
import pytest
from django.test import override_settings

from tests.bench.run import API, drf_cursor

TICKETS, ACCESS = API["tickets"], API["access-requests"]
NEW_TICKET = {"title": "Laptop does not start", "description": "Since this morning.", "type": "incident",
              "priority": "high", "category": "hardware"}
NEW_ACCESS = {"system_id": "github", "access_type": "new", "justification": "Joining the platform team."}


@pytest.fixture(autouse=True)
def peer_urls():
    with override_settings(ROOT_URLCONF="tests.bench.peer.urls"):
        yield


def test_ticket_scenarios_answer_2xx_with_real_rows(admin_a):
    created = [admin_a.post(TICKETS, NEW_TICKET, format="json") for _ in range(3)]
    assert [r.status_code for r in created] == [201] * 3, created[0].content
    first = created[0].json()
    assert first["tenant_id"] == "acme" and first["submitted_by_id"] == "per_admin_a"
    assert [r.json()["number"] for r in created] == ["TKT-0001", "TKT-0002", "TKT-0003"]
    ids = sorted((r.json()["id"] for r in created), reverse=True)

    page = admin_a.get(TICKETS)
    assert page.status_code == 200 and [r["id"] for r in page.json()["results"]] == ids
    deep = admin_a.get(f"{TICKETS}?cursor={drf_cursor(ids[0])}")  # the cursor run.py crafts for the deep page
    assert deep.status_code == 200 and [r["id"] for r in deep.json()["results"]] == ids[1:]
    two = admin_a.get(f"{TICKETS}?page_size=2").json()
    assert f"cursor={drf_cursor(ids[1])}" in two["next"].replace("%3D", "=")

    filtered = admin_a.get(f"{TICKETS}?status=new")
    assert filtered.status_code == 200 and len(filtered.json()["results"]) == 3
    got = admin_a.get(f"{TICKETS}/{first['id']}")
    assert got.status_code == 200 and got.json()["title"] == NEW_TICKET["title"]

    resolved = admin_a.post(f"{TICKETS}/{first['id']}/resolve")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_at"]
    assert admin_a.post(f"{TICKETS}/{first['id']}/resolve").status_code == 409
    still_new = [r["id"] for r in admin_a.get(f"{TICKETS}?status=new").json()["results"]]
    assert still_new == [i for i in ids if i != first["id"]]


def test_access_request_scenarios_answer_2xx(admin_a):
    created = admin_a.post(ACCESS, NEW_ACCESS, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["requester_id"] == "per_admin_a" and created.json()["status"] == "pending"
    assert [r["id"] for r in admin_a.get(ACCESS).json()["results"]] == [pk]
    assert [r["id"] for r in admin_a.get(f"{ACCESS}?status=pending").json()["results"]] == [pk]
    assert admin_a.get(f"{ACCESS}/{pk}").status_code == 200
    approved = admin_a.post(f"{ACCESS}/{pk}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["approver_id"] == "per_admin_a"


def test_another_tenants_records_are_not_found(admin_a, admin_b):
    ticket = admin_a.post(TICKETS, NEW_TICKET, format="json").json()
    access = admin_a.post(ACCESS, NEW_ACCESS, format="json").json()

    assert admin_b.get(f"{TICKETS}/{ticket['id']}").status_code == 404
    assert admin_b.post(f"{TICKETS}/{ticket['id']}/resolve").status_code == 404
    assert admin_b.get(f"{ACCESS}/{access['id']}").status_code == 404
    assert admin_b.post(f"{ACCESS}/{access['id']}/approve").status_code == 404
    assert admin_b.get(TICKETS).json()["results"] == [] and admin_b.get(ACCESS).json()["results"] == []
    own = admin_b.post(TICKETS, NEW_TICKET, format="json").json()
    assert own["tenant_id"] == "globex" and own["number"] == "TKT-0001"  # each tenant counts its own tickets
    assert admin_a.get(f"{TICKETS}/{ticket['id']}").json()["status"] == "new"
