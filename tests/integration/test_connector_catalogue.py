"""A connector's `type` is one of the implementations the product ships (the registry) and its `provider`
one of the declared vendors, fitting the type where the vendor implies a protocol: an unknown or
misfitting value is a 400 in the API and a form error in the admin, and changes nothing."""
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.urls import reverse

from apps.integration.connectors.base import CONNECTOR_TYPES
from apps.integration.models import Connector
from tests.admin.seeding import USERS, seeded_module
from tests.factories.integration import ConnectorFactory

BASE = "/api/v1/integration/connectors"
migration = importlib.import_module("apps.integration.migrations.0009_connector_type_and_provider_choices")


def test_the_types_are_the_registrys():
    field = Connector._meta.get_field("type")
    assert [value for value, _ in field.choices] == sorted(CONNECTOR_TYPES) == ["ldap", "manual", "scim"]
    assert dict(field.choices)["scim"] == "SCIM 2.0"


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), [
    ({"type": "identity", "provider": "okta"}, "type"),
    ({"type": "ldap", "provider": "hubspot"}, "provider"),
    ({"type": "ldap", "provider": "github"}, "type"),  # GitHub is reached over SCIM
    ({"type": "scim", "provider": "active_directory"}, "type"),
])
def test_the_api_refuses_an_unknown_or_misfitting_value(admin_a, body, field):
    response = admin_a.post(BASE, {**body, "name": "Directory"}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Connector.objects.filter(name="Directory").exists()


@pytest.mark.django_db
def test_the_api_takes_a_fitting_pair_and_refuses_a_change_to_a_misfit(admin_a):
    made = admin_a.post(BASE, {"type": "ldap", "provider": "active_directory", "name": "AD"}, format="json")
    assert made.status_code == 201, made.content
    assert admin_a.post(BASE, {"type": "manual", "provider": "github", "name": "By hand"}, format="json").status_code == 201
    assert admin_a.post(BASE, {"type": "scim", "provider": "other", "name": "Any"}, format="json").status_code == 201
    refused = admin_a.patch(f"{BASE}/{made.json()['id']}", {"provider": "slack"}, format="json")
    assert refused.status_code == 400, refused.content
    assert Connector.objects.get(pk=made.json()["id"]).provider == "active_directory"


@pytest.mark.django_db
def test_existing_rows_are_mapped_to_known_values():
    rows = {"cnn_seed": ("identity", "okta"), "cnn_scim": ("scim", "scim2-server"), "cnn_ad": ("ldap", "Active Directory"),
            "cnn_gh": ("ldap", "github"), "cnn_ok": ("scim", "slack")}
    Connector.objects.bulk_create([Connector(id=pk, tenant_id="acme", type=t, provider=p, name=pk)
                                   for pk, (t, p) in rows.items()])
    migration.map_known_values(django_apps, None)
    found = {c.pk: (c.type, c.provider) for c in Connector.objects.filter(pk__in=rows)}
    assert found == {"cnn_seed": ("manual", "okta"), "cnn_scim": ("scim", "generic_scim"),
                     "cnn_ad": ("ldap", "active_directory"), "cnn_gh": ("ldap", "other"), "cnn_ok": ("scim", "slack")}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


def test_the_admin_offers_choices_and_refuses_a_misfit(client, seeded, db):
    for connector in Connector.objects.all():  # the demo's and the fixtures' are valid
        connector.full_clean(validate_unique=False, validate_constraints=False)
    assert Connector.objects.filter(tenant_id="acme", name="Okta directory", type="manual", provider="okta").exists()
    client.force_login(User.objects.get(username=USERS["admin"]))
    add = reverse("admin:integration_connector_add")
    page = client.get(add).content.decode()
    assert '<select name="type"' in page and '<option value="scim">SCIM 2.0</option>' in page
    assert '<select name="provider"' in page and ">Microsoft Entra ID</option>" in page
    before = Connector.objects.count()
    for body, why in [({"type": "identity", "provider": "okta"}, "Select a valid choice"),
                      ({"type": "scim", "provider": "openldap"}, "OpenLDAP is reached by ldap")]:
        refused = client.post(add, {**body, "name": "Refused", "scope": "org", "enabled": "on"})
        assert refused.status_code == 200 and why in refused.content.decode(), why
    assert Connector.objects.count() == before
    saved = client.post(add, {"type": "ldap", "provider": "openldap", "name": "Saved", "scope": "org"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Connector.objects.get(name="Saved").provider == "openldap"


def test_the_factory_builds_a_valid_connector(db):
    ConnectorFactory(tenant_id="acme").full_clean()
