"""A catalog access request's `asset_id` holds its system's id (as the spec says): staff read the system by
its name, linked, on the change page, in the list and in the history; the id stays in the API and in the
collapsed "Record" section."""
import re

import pytest
from django.urls import reverse

from apps.core import services as core
from apps.core.principal import system_principal
from tests.factories import StaffMembershipFactory
from tests.factories.integration import AccessSystemFactory, EntitlementFactory
from tests.factories.operations import AccessRequestFactory

pytestmark = pytest.mark.django_db


def sections(html: str) -> tuple[str, str]:
    """The page's form before the "Record" section, and that section."""
    form = html.split('id="accessrequest_form"', 1)[1].split("</form>", 1)[0]
    own, record = re.split(r">\s*Record\s*<", form, maxsplit=1)
    return own, record


def test_it_reads_the_asset_as_the_systems_name(client, caller):
    chat = AccessSystemFactory(tenant_id="acme", name="Team chat")
    wiki = AccessSystemFactory(tenant_id="acme", name="Wiki")
    entitlement = EntitlementFactory(tenant_id="acme", system=chat, name="Chat admins")
    request = AccessRequestFactory(tenant_id="acme", entitlement=entitlement, system_id=chat.pk, asset_id=chat.pk,
                                   entitlement_type="Chat admins")
    core.record_update(actor=system_principal("acme"), obj=request, data={"asset_id": wiki.pk})
    core.record_update(actor=system_principal("acme"), obj=request, data={"asset_id": chat.pk})
    membership = StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username="acme-it-x",
                                        roles=["it"])
    client.force_login(membership.user)
    link = f'<a href="{reverse("admin:integration_accesssystem_change", args=[chat.pk])}" class="text-link">Team chat</a>'

    page = client.get(reverse("admin:operations_accessrequest_change", args=[request.pk])).content.decode()
    own, record = sections(page)
    assert ">Asset</label>" in own and link in own
    assert chat.pk not in own.replace(f"/{chat.pk}/", "") and 'name="asset_id"' not in page  # filled from the entitlement, never typed
    assert chat.pk in record and ">Asset id</label>" in record

    listed = client.get(reverse("admin:operations_accessrequest_changelist")).content.decode()
    assert link in listed and chat.pk not in listed.replace(f"/{chat.pk}/", "")

    history = client.get(reverse("admin:operations_accessrequest_history", args=[request.pk])).content.decode()
    assert "Wiki" in history and wiki.pk not in history

    api = caller("acme", "per_it", ["it"]).get(f"/api/v1/operations/access-requests/{request.pk}").json()
    assert api["asset_id"] == api["system_id"] == chat.pk


def test_a_group_grants_provisioned_members_read_as_people(client):
    from tests.factories import GroupFactory, PersonFactory

    ada = PersonFactory(tenant_id="acme", display_name="Ada Lovelace", email="ada@acme.invalid")
    finance = GroupFactory(tenant_id="acme", display_name="Finance")
    request = AccessRequestFactory(tenant_id="acme", principal_type="group", principal_id=finance.pk,
                                   provisioned_members=[ada.pk])
    membership = StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username="acme-it-y",
                                        roles=["it"])
    client.force_login(membership.user)
    own, _ = sections(client.get(reverse("admin:operations_accessrequest_change", args=[request.pk])).content.decode())
    assert "Provisioned members" in own and "Ada Lovelace" in own and ada.pk not in own
