"""A SCIM token of one tenant never sees or changes another tenant's people or groups: 404."""
from apps.directory.models import Group, Person
from apps.directory.services import scim_token_create
from apps.core.principal import system_principal

from .conftest import ScimClient, user_body


def test_other_tenants_people_are_404(scim_a, scim_b):
    ann = scim_a.post("/Users", user_body("ann@acme.example")).doc["id"]
    team = scim_a.post("/Groups", {"displayName": "Acme team", "members": [{"value": ann}]}).doc["id"]
    for path in (f"/Users/{ann}", f"/Groups/{team}"):
        assert scim_b.get(path).status_code == 404
        assert scim_b.put(path, {**user_body("x@globex.example"), "displayName": "x"}).status_code == 404
        assert scim_b.patch(path, {"Operations": [{"op": "replace", "value": {"displayName": "pwned"}}]}).status_code == 404
        assert scim_b.delete(path).status_code == 404
    assert scim_b.get("/Users").doc["totalResults"] == 0 and scim_b.get("/Groups").doc["totalResults"] == 0
    # Filters stay in the tenant, `or` included.
    found = scim_b.get("/Users", filter='userName eq "ann@acme.example" or userName eq "nobody"')
    assert found.status_code == 200 and found.doc["totalResults"] == 0
    assert scim_b.get("/Groups", filter='displayName eq "Acme team"').doc["totalResults"] == 0
    # A group of B cannot take A's person.
    assert scim_b.post("/Groups", {"displayName": "B", "members": [{"value": ann}]}).status_code == 400
    person = Person.objects.get(pk=ann)
    assert person.tenant_id == "acme" and person.active and not person.is_deleted
    assert Group.objects.get(pk=team).display_name == "Acme team"


def test_same_user_name_in_two_tenants(scim_a, scim_b):
    assert scim_a.post("/Users", user_body("sam@example.com")).status_code == 201
    assert scim_b.post("/Users", user_body("sam@example.com")).status_code == 201
    assert Person.objects.filter(user_name="sam@example.com").count() == 2


def test_tokens_are_required_hashed_and_revocable(db, scim_a, client):
    assert client.get("/scim/v2/Users").status_code == 401
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scim_wrong").status_code == 401
    token = scim_token_create(actor=system_principal("acme"), data={"name": "Temp"})
    assert token.raw_token not in token.token_hash and len(token.token_hash) == 64
    live = ScimClient(token.raw_token)
    assert live.get("/Users").status_code == 200
    token.revoked = True
    token.save()
    assert live.get("/Users").status_code == 401


def test_an_admin_session_is_not_a_scim_credential(db, admin_client):
    assert admin_client.get("/scim/v2/Users").status_code == 401
