"""Location: a person's work address locality over SCIM (full and PATCHed, read back), kept on the
directory entry, and birthright rules by location that grant on joining (in the real SCIM target) and
schedule the revoke after a move, like department rules; a rule naming two of group, department and
location is a 400 that saves nothing."""
import pytest

from apps.directory.models import Person
from apps.lifecycle.models import BirthrightRule, LifecycleSettings, ScheduledRevoke
from apps.operations.models import AccessRequest
from tests.directory.conftest import ScimClient, new_token

pytestmark = pytest.mark.django_db
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_location_comes_from_scim_addresses_and_carries_birthright_rules(
        world, immediate_tasks, django_capture_on_commit_callbacks):
    scim_target = world["scim"]
    BirthrightRule.objects.create(tenant_id="acme", entitlement=world["entitlements"]["admins"], location="Berlin")
    LifecycleSettings.objects.create(tenant_id="acme", mover_grace_days=3)
    idp = ScimClient(new_token("acme"))
    scim_target.create_user("zoe@acme.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        created = idp.post("/Users", {"schemas": [USER], "userName": "zoe@acme.invalid", "addresses": [
            {"type": "home", "locality": "Potsdam"}, {"type": "work", "locality": "Berlin", "country": "DE"}]})
    assert created.status_code == 201, created.content
    zoe = Person.objects.get(user_name="zoe@acme.invalid")
    assert zoe.location == "Berlin"
    assert idp.get(f"/Users/{zoe.pk}").doc["addresses"] == [{"locality": "Berlin"}]
    grant = AccessRequest.objects.get(requester_id=zoe.pk, source="birthright")
    assert grant.status == "provisioned" and "zoe@acme.invalid" in scim_target.member_names(world["groups"]["chat-admins"])

    with django_capture_on_commit_callbacks(execute=True):
        moved = idp.patch(f"/Users/{zoe.pk}", {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": 'addresses[type eq "work"].locality', "value": "Lisbon"}]})
    assert moved.status_code == 200, moved.content
    zoe.refresh_from_db()
    assert zoe.location == "Lisbon"
    assert ScheduledRevoke.objects.get(grant=grant).cancelled_at is None

    bad = idp.patch(f"/Users/{zoe.pk}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "addresses", "value": "Lisbon"}]})
    assert bad.status_code == 400
    zoe.refresh_from_db()
    assert zoe.location == "Lisbon"


def test_a_rule_naming_a_department_and_a_location_is_refused(admin_a):
    from tests.factories import EntitlementFactory

    entitlement = EntitlementFactory(tenant_id="acme")
    response = admin_a.post("/api/v1/lifecycle/birthright-rules", {
        "entitlement_id": entitlement.pk, "department": "SRE", "location": "Berlin"}, format="json")
    assert response.status_code == 400 and "location" in response.content.decode()
    assert not BirthrightRule.objects.filter(tenant_id="acme").exists()
