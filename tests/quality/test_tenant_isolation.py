"""Tenant isolation matrix, generated from the URL router.

For every API route with a record id (get, update, delete, transitions, nested routes),
a caller of another tenant gets 404 and a plain member of the same tenant who does not own
the record gets 404; lists never show the record to either. A new endpoint that forgets the
scope fails here without anyone adding it to a list.
"""
import pytest

from tests.quality.routes import api_routes, build_record

pytestmark = pytest.mark.django_db

ROUTES = api_routes()
DETAIL = [(route, method) for route in ROUTES if route.detail for method in route.methods]
LISTS = [route for route in ROUTES if not route.detail and "GET" in route.methods]


def test_the_router_exposes_routes():
    assert len(DETAIL) >= 8 and len(LISTS) >= 2


@pytest.mark.parametrize("route,method", DETAIL, ids=[f"{m} {r.template}" for r, m in DETAIL])
def test_other_tenant_gets_404(route, method, caller):
    record = build_record(route.model, tenant="acme")
    before = type(record).all_objects.filter(pk=record.pk).values().get()
    intruder = caller("globex", "per_intruder", ("admin",))
    response = intruder.generic(method, route.url(record.pk), "{}", content_type="application/json")
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    assert type(record).all_objects.filter(pk=record.pk).values().get() == before


@pytest.mark.parametrize("route,method", DETAIL, ids=[f"{m} {r.template}" for r, m in DETAIL])
def test_member_who_does_not_own_it_gets_404(route, method, caller):
    record = build_record(route.model, tenant="acme")
    member = caller("acme", "per_bystander", ())
    response = member.generic(method, route.url(record.pk), "{}", content_type="application/json")
    assert response.status_code == 404, (response.status_code, response.content[:300])


@pytest.mark.parametrize("route", LISTS, ids=[r.template for r in LISTS])
def test_lists_never_show_another_tenants_or_anothers_rows(route, caller):
    record = build_record(route.model, tenant="acme")
    for client in (caller("globex", "per_intruder", ("admin",)), caller("acme", "per_bystander", ())):
        response = client.get(route.url())
        assert response.status_code == 200, response.content[:300]
        assert record.pk not in {row["id"] for row in response.json()["results"]}
    owner_admin = caller("acme", "per_boss", ("admin",))
    assert record.pk in {row["id"] for row in owner_admin.get(route.url(), {"page_size": 500}).json()["results"]}
