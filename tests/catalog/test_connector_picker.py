"""An access system's connector is found by name in a picker (issue 35): the change page writes the chosen
connector alone whatever the tenant holds, the picker answers IT with the tenant's connectors a page at a
time, and another tenant's connector is a form error that changes nothing."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integration.models import AccessSystem
from tests.catalog.catalog import system as open_system
from tests.catalog.test_catalog_admin import org, staff  # noqa: F401  (IT, a member and an approver of acme)
from tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
PICKER = reverse("admin:integration_accesssystem_connectors")


def change_url(system) -> str:
    return reverse("admin:integration_accesssystem_change", args=[system.pk])


def connectors(count: int, tenant: str = "acme", prefix: str = "Okta"):
    return [ConnectorFactory(tenant_id=tenant, name=f"{prefix} {n:03}") for n in range(count)]


def change_page(client, system) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(change_url(system))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_the_change_page_costs_the_same_for_3_or_60_connectors(client, org):  # noqa: F811
    chosen, *others = connectors(3)
    system = open_system(tenant_id="acme", name="VPN", connector=chosen)
    client.force_login(org["users"]["per_it"])
    change_page(client, system)  # warm: the first page fills per-process caches
    few, html = change_page(client, system)
    assert 'data-testid="connector-picker"' in html and f'<option value="{chosen.pk}" selected>Okta 000</option>' in html
    assert others[0].name not in html
    more = connectors(57, prefix="Zendesk")
    many, html = change_page(client, system)
    assert many == few
    assert not any(connector.name in html for connector in more)


def test_the_picker_pages_through_the_tenants_connectors_by_name(client, org):  # noqa: F811
    ours = connectors(25)
    theirs = ConnectorFactory(tenant_id="globex", name="Okta of globex")
    client.force_login(org["users"]["per_it"])
    first = client.get(PICKER, {"term": "okta"}).json()
    assert [r["text"] for r in first["results"]] == [c.name for c in ours[:20]] and first["pagination"]["more"]
    second = client.get(PICKER, {"term": "okta", "page": 2}).json()
    assert [r["id"] for r in second["results"]] == [c.pk for c in ours[20:]] and not second["pagination"]["more"]
    assert client.get(PICKER, {"term": "Okta 007"}).json()["results"] == [{"id": ours[7].pk, "text": "Okta 007"}]
    assert client.get(PICKER, {"term": theirs.pk}).json()["results"] == []
    assert client.get(PICKER, {"term": "globex", "tenant": "globex"}).json()["results"] == []


def test_who_may_not_write_systems_is_offered_no_connector(client, org):  # noqa: F811
    connectors(2)
    for who in ("per_ann", "per_appr"):
        client.force_login(org["users"][who])
        assert client.get(PICKER).json() == {"results": [], "pagination": {"more": False}}
    client.force_login(staff("per_globex_it", ["it"], tenant="globex"))
    assert client.get(PICKER).json()["results"] == []


def test_another_tenants_connector_posted_on_the_change_page_changes_nothing(client, org):  # noqa: F811
    ours = connectors(1)[0]
    theirs = ConnectorFactory(tenant_id="globex", name="Globex Okta")
    system = open_system(tenant_id="acme", name="VPN", connector=ours)
    client.force_login(org["users"]["per_it"])
    page = client.get(change_url(system))
    data = {name: value for name, value in page.context["adminform"].form.initial.items() if value is not None}
    data.update({"name": "VPN renamed", "connector": theirs.pk, "is_active": "on", "tags": "[]",
                 "owner_id": system.owner_id})
    for formset in page.context["inline_admin_formsets"]:
        data.update({f"{formset.formset.prefix}-{k}": v for k, v in formset.formset.management_form.initial.items()})
    refused = client.post(change_url(system), data)
    assert refused.status_code == 200 and "connector" in refused.context["adminform"].form.errors
    assert theirs.name not in refused.content.decode()  # the forged id is not named back
    system.refresh_from_db()
    assert (system.name, system.connector_id) == ("VPN", ours.pk)
    assert AccessSystem.objects.filter(connector=theirs).count() == 0
