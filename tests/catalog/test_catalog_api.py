"""The access catalog over the API: members read it, IT/admins write it, requests file against it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.models import DirectorySettings
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.operations.models import AccessRequest
from tests.catalog.catalog import entitlement, system as open_system
from tests.factories import ConnectorFactory, GroupFactory
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)

pytestmark = pytest.mark.django_db
CATALOG = "/api/v1/integration"
REQUESTS = "/api/v1/operations/access-requests"


class TestAccessSystemResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                               StampTests):
    model = AccessSystem


class TestEntitlementResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                              StampTests):
    model = Entitlement


@pytest.fixture
def member(caller):
    return caller("acme", "per_member")


@pytest.fixture
def it(caller):
    return caller("acme", "per_it", ("it",))


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def file(client, **body):
    return client.post(REQUESTS, {"access_type": "new", "justification": "On-call rotation", **body}, format="json")


def test_members_list_active_systems_and_requestable_entitlements(member):
    shown = entitlement(tenant_id="acme", name="readers", risk="low")
    entitlement(tenant_id="acme", system=shown.system, name="hidden", is_requestable=False)
    entitlement(tenant_id="acme", name="retired", system__is_active=False)
    entitlement(tenant_id="globex", name="theirs")
    systems = member.get(f"{CATALOG}/systems").json()["results"]
    assert [s["id"] for s in systems] == [shown.system_id]
    rows = member.get(f"{CATALOG}/entitlements").json()["results"]
    assert [r["name"] for r in rows] == ["readers"]
    assert rows[0]["system_id"] == shown.system_id and rows[0]["risk"] == "low"
    assert member.get(f"{CATALOG}/entitlements/{shown.pk}").status_code == 200


def test_filters_by_system_risk_and_requestable(it):
    low = entitlement(tenant_id="acme", risk="low")
    high = entitlement(tenant_id="acme", risk="high", is_requestable=False)
    other = entitlement(tenant_id="acme", system=low.system, risk="critical")

    def names(query):
        return {r["id"] for r in it.get(f"{CATALOG}/entitlements?{query}").json()["results"]}

    assert names(f"system={low.system_id}") == {low.pk, other.pk}
    assert names("risk=high") == {high.pk}
    assert names("risk__in=low,critical") == {low.pk, other.pk}
    assert names("requestable=false") == {high.pk}


def test_members_cannot_write_the_catalog_and_it_can(member, it):
    body = {"name": "GitHub", "owner_id": "per_owner"}
    assert member.post(f"{CATALOG}/systems", body, format="json").status_code == 403
    system = it.post(f"{CATALOG}/systems", body, format="json")
    assert system.status_code == 201, system.content
    assert system.json()["owner_type"] == "person" and system.json()["connector_id"] is None
    ent = it.post(f"{CATALOG}/entitlements", {"system_id": system.json()["id"], "name": "maintainers", "risk": "medium",
                                               "max_duration_days": 30, "default_duration_days": 7}, format="json")
    assert ent.status_code == 201, ent.content
    assert member.patch(f"{CATALOG}/entitlements/{ent.json()['id']}", {"risk": "low"}, format="json").status_code == 403


def test_references_name_records_of_the_callers_tenant(it, admin_b):
    theirs = open_system(tenant_id="globex")
    connector = ConnectorFactory(tenant_id="globex")
    group = GroupFactory(tenant_id="globex")
    response = it.post(f"{CATALOG}/entitlements", {"system_id": theirs.pk, "name": "x"}, format="json")
    assert response.status_code == 400 and "system_id" in fields(response)
    response = it.post(f"{CATALOG}/systems", {"name": "S", "connector_id": connector.pk}, format="json")
    assert response.status_code == 400 and "connector_id" in fields(response)
    response = it.post(f"{CATALOG}/systems", {"name": "S", "owner_id": group.pk}, format="json")
    assert response.status_code == 400 and "owner_id" in fields(response)
    mine = open_system(tenant_id="acme")
    response = it.post(f"{CATALOG}/entitlements", {"system_id": mine.pk, "name": "x", "auto_approve_group_ids": [group.pk]},
                       format="json")
    assert response.status_code == 400 and "auto_approve_group_ids" in fields(response)
    assert it.get(f"{CATALOG}/systems/{theirs.pk}").status_code == 404
    assert admin_b.get(f"{CATALOG}/systems/{mine.pk}").status_code == 404


def test_the_owner_type_follows_the_owner(it):
    group = GroupFactory(tenant_id="acme")
    system = it.post(f"{CATALOG}/systems", {"name": "VPN", "owner_id": group.pk}, format="json").json()
    assert system["owner_type"] == "group"
    response = it.post(f"{CATALOG}/systems", {"name": "VPN2", "owner_id": group.pk, "owner_type": "person"}, format="json")
    assert response.status_code == 400 and "owner_type" in fields(response)


def test_only_low_risk_entitlements_auto_approve(it):
    group = GroupFactory(tenant_id="acme")
    system = open_system(tenant_id="acme")
    response = it.post(f"{CATALOG}/entitlements", {"system_id": system.pk, "name": "prod", "risk": "high",
                                                    "auto_approve_group_ids": [group.pk]}, format="json")
    assert response.status_code == 400 and "auto_approve_group_ids" in fields(response)


def test_filing_with_an_entitlement_fills_the_seed_fields_and_the_default_duration(member):
    ent = entitlement(tenant_id="acme", name="maintainers", default_duration_days=7, max_duration_days=30)
    response = file(member, entitlement_id=ent.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["entitlement_id"], body["system_id"], body["asset_id"], body["entitlement_type"]) == (
        ent.pk, ent.system_id, ent.system_id, "maintainers")
    expires = timezone.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_a_longer_duration_than_the_maximum_is_refused(member):
    ent = entitlement(tenant_id="acme", max_duration_days=30)
    too_long = (timezone.now() + timedelta(days=31)).isoformat()
    response = file(member, entitlement_id=ent.pk, expires_at=too_long)
    assert response.status_code == 400
    assert "expires_at" in fields(response)
    assert not AccessRequest.objects.exists()
    within = (timezone.now() + timedelta(days=29)).isoformat()
    assert file(member, entitlement_id=ent.pk, expires_at=within).status_code == 201


def test_another_tenants_or_an_unrequestable_entitlement_is_refused(member):
    theirs = entitlement(tenant_id="globex")
    closed = entitlement(tenant_id="acme", is_requestable=False)
    for ent in (theirs, closed):
        response = file(member, entitlement_id=ent.pk)
        assert response.status_code == 400 and "entitlement_id" in fields(response), response.content
    assert "No such entitlement" in str(file(member, entitlement_id=theirs.pk).json())
    assert not AccessRequest.objects.exists()


def test_a_field_disagreeing_with_the_entitlement_is_refused(member):
    ent = entitlement(tenant_id="acme")
    response = file(member, entitlement_id=ent.pk, system_id="github")
    assert response.status_code == 400 and "system_id" in fields(response)


def test_the_entitlement_and_its_fields_do_not_change_after_filing(member):
    ent = entitlement(tenant_id="acme")
    other = entitlement(tenant_id="acme")
    filed = file(member, entitlement_id=ent.pk).json()
    url = f"{REQUESTS}/{filed['id']}"
    assert member.patch(url, {"entitlement_id": other.pk}, format="json").status_code == 400
    assert member.patch(url, {"entitlement_type": "admins"}, format="json").status_code == 400
    assert member.patch(url, {"justification": "Longer story"}, format="json").status_code == 200


def test_a_strict_catalog_refuses_requests_outside_it(member):
    DirectorySettings.objects.create(id="dir_acme", tenant_id="acme", catalog_strict=True)
    response = file(member, system_id="github", entitlement_type="write")
    assert response.status_code == 400 and "entitlement_id" in fields(response)
    assert file(member, entitlement_id=entitlement(tenant_id="acme").pk).status_code == 201
    assert file(caller_in_globex := member.__class__(tenant="globex", sub="per_x"), system_id="github").status_code == 201


def test_a_renewal_stays_within_the_maximum(member, caller):
    ent = entitlement(tenant_id="acme", max_duration_days=30)
    filed = file(member, entitlement_id=ent.pk).json()
    url = f"{REQUESTS}/{filed['id']}"
    assert caller("acme", "per_approver", ("approver",)).post(f"{url}/approve", format="json").status_code == 200
    it = caller("acme", "per_it", ("it",))
    assert it.post(f"{url}/provision", format="json").status_code == 200
    too_long = it.post(f"{url}/renew", {"expires_at": (timezone.now() + timedelta(days=45)).isoformat()}, format="json")
    assert too_long.status_code == 400 and "expires_at" in fields(too_long)
    within = it.post(f"{url}/renew", {"expires_at": (timezone.now() + timedelta(days=20)).isoformat()}, format="json")
    assert within.status_code == 200, within.content
