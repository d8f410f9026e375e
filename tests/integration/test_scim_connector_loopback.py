"""The SCIM connector against this product's own /scim/v2, as the demo seed wires it: acme's connector
grants membership of a group in the second tenant's directory, over live HTTP on 127.0.0.1."""
import pytest

from apps.core import services as core
from apps.directory.models import Group
from apps.directory.services import scim_token_create
from apps.core.models import Tenant
from apps.core.principal import system_principal
from apps.integration.connectors.base import ConnectorError, PersonRef
from apps.integration.connectors.scim import ScimConnector

ANN = PersonRef(person_id="per_acme_ann", user_name="ann@acme.invalid", email="ann@acme.invalid",
                display_name="Ann Lee", given_name="Ann", family_name="Lee")


@pytest.fixture
def loopback(live_server, transactional_db):
    Tenant.objects.get_or_create(id="globex", defaults={"name": "Globex"})
    target = system_principal("globex")
    token = scim_token_create(actor=target, data={"name": "acme connector"}).raw_token
    group = core.record_create(actor=target, obj=Group(display_name="Acme chat admins"))
    scim = ScimConnector(config={"base_url": f"{live_server.url}/scim/v2", "membership_check": "read"},
                         secrets={"token": token}, timeout=10)
    return scim, group


def test_grant_verify_revoke_through_the_products_own_scim(loopback):
    scim, group = loopback
    scim.grant(person=ANN, entitlement=group.id)
    assert scim.verify(person=ANN, entitlement=group.id)
    assert list(scim.list_memberships(group.id)) == ["ann@acme.invalid"]
    member = group.members.get()
    assert member.tenant_id == "globex" and member.user_name == "ann@acme.invalid"
    scim.revoke(person=ANN, entitlement=group.id)
    assert not scim.verify(person=ANN, entitlement=group.id)
    assert not group.members.exists()


def test_another_tenants_group_is_a_404_not_a_grant(loopback, live_server):
    scim, _ = loopback
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    acme_group = core.record_create(actor=system_principal("acme"), obj=Group(display_name="Acme only"))
    with pytest.raises(ConnectorError) as failure:
        scim.grant(person=ANN, entitlement=acme_group.id)
    assert failure.value.status == 404 and not failure.value.retryable
    assert not acme_group.members.exists()
