"""The request shapes Okta and Microsoft Entra send (from their SCIM 2.0 provisioning docs), through
/scim/v2 with a real tenant token, asserting what changed in the database."""
from apps.directory.models import Group, Person
from apps.core.models import Event

from .conftest import user_body

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# -- Okta ----------------------------------------------------------------------------------
def test_okta_user_lifecycle(scim_a):
    # Okta first looks the user up by userName, then creates it.
    found = scim_a.get("/Users", filter='userName eq "ann.lee@acme.example"', startIndex=1, count=100)
    assert found.status_code == 200 and found.doc["totalResults"] == 0
    created = scim_a.post("/Users", user_body("ann.lee@acme.example"))
    assert created.status_code == 201, created.doc
    pid = created.doc["id"]
    assert pid.startswith("per_") and created["Location"].endswith(f"/scim/v2/Users/{pid}")
    person = Person.objects.get(pk=pid)
    assert (person.tenant_id, person.user_name, person.given_name, person.family_name, person.email, person.active) == (
        "acme", "ann.lee@acme.example", "Ann", "Lee", "ann.lee@acme.example", True)
    assert person.source == "scim" and person.created_by.startswith("scim:sct_")

    found = scim_a.get("/Users", filter='userName eq "ANN.LEE@acme.example"')
    assert [r["id"] for r in found.doc["Resources"]] == [pid]  # userName is case-insensitive

    # Profile push: Okta sends the full user with PUT.
    body = user_body("ann.lee@acme.example", title="Staff Engineer")
    body["name"]["familyName"] = "Lee-Park"
    body[ENTERPRISE] = {"department": "Platform"}
    assert scim_a.put(f"/Users/{pid}", {**body, "id": pid}).status_code == 200
    person.refresh_from_db()
    assert (person.family_name, person.title, person.department) == ("Lee-Park", "Staff Engineer", "Platform")

    # Deactivation: a PATCH without path.
    response = scim_a.patch(f"/Users/{pid}", patch({"op": "replace", "value": {"active": False}}))
    assert response.status_code == 200 and response.doc["active"] is False
    person.refresh_from_db()
    assert person.active is False and not person.is_deleted
    assert Event.objects.filter(entity_id=pid, type="core.person.deactivated").count() == 1

    # Reactivation
    scim_a.patch(f"/Users/{pid}", patch({"op": "replace", "value": {"active": True}}))
    person.refresh_from_db()
    assert person.active is True


def test_okta_refuses_duplicate_user_name(scim_a):
    assert scim_a.post("/Users", user_body("bo@acme.example")).status_code == 201
    again = scim_a.post("/Users", user_body("Bo@acme.example"))
    assert again.status_code == 409 and again.doc["scimType"] == "uniqueness"
    assert Person.objects.filter(tenant_id="acme").count() == 1


def test_okta_group_push(scim_a):
    ann = scim_a.post("/Users", user_body("ann@acme.example")).doc["id"]
    bob = scim_a.post("/Users", user_body("bob@acme.example")).doc["id"]
    created = scim_a.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                      "displayName": "Service Desk", "members": [{"value": ann, "display": "ann"}]})
    assert created.status_code == 201, created.doc
    gid = created.doc["id"]
    group = Group.objects.get(pk=gid)
    assert group.tenant_id == "acme" and list(group.members.values_list("pk", flat=True)) == [ann]

    # Rename: replace with value {id, displayName}
    scim_a.patch(f"/Groups/{gid}", patch({"op": "replace", "value": {"id": gid, "displayName": "Service Desk EU"}}))
    # Add a member, then remove one by filter path.
    scim_a.patch(f"/Groups/{gid}", patch({"op": "add", "path": "members", "value": [{"value": bob, "display": "bob"}]}))
    group.refresh_from_db()
    assert group.display_name == "Service Desk EU"
    assert sorted(group.members.values_list("pk", flat=True)) == sorted([ann, bob])
    response = scim_a.patch(f"/Groups/{gid}", patch({"op": "remove", "path": f'members[value eq "{ann}"]'}))
    assert response.status_code == 204 and not response.content  # RFC 7644 §3.5.2: no member list repeated
    assert response["Location"].endswith(f"/scim/v2/Groups/{gid}")
    assert [m["value"] for m in scim_a.get(f"/Groups/{gid}").doc["members"]] == [bob]
    assert list(group.members.values_list("pk", flat=True)) == [bob]
    changes = [e.payload for e in Event.objects.filter(entity_id=gid, type="core.group.members_changed")
               .order_by("created_at", "id")]
    assert changes == [{"id": gid, "added": [bob], "removed": []}, {"id": gid, "added": [], "removed": [ann]}]
    # Asked for attributes, a PATCH answers 200 and the resource (§3.5.2), without the members here.
    response = scim_a._send("patch", f"/Groups/{gid}", patch({"op": "replace", "path": "displayName", "value": "SD"}),
                            QUERY_STRING="excludedAttributes=members")
    assert response.status_code == 200 and response.doc["displayName"] == "SD" and "members" not in response.doc
    # The user shows its group.
    assert [g["value"] for g in scim_a.get(f"/Users/{bob}").doc["groups"]] == [gid]

    assert scim_a.delete(f"/Groups/{gid}").status_code == 204
    assert not Group.objects.filter(pk=gid).exists() and Group.all_objects.get(pk=gid).is_deleted
    assert scim_a.get(f"/Groups/{gid}").status_code == 404


def test_group_member_must_exist_in_tenant(scim_a, scim_b):
    other = scim_b.post("/Users", user_body("eve@globex.example")).doc["id"]
    response = scim_a.post("/Groups", {"displayName": "Mixed", "members": [{"value": other}]})
    assert response.status_code == 400
    assert not Group.all_objects.filter(display_name="Mixed").exists()


# -- Microsoft Entra ID ----------------------------------------------------------------------
def entra_user(user_name: str) -> dict:
    """The create request Entra sends (Microsoft's "Develop a SCIM endpoint" tutorial)."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "addresses": [{"primary": True, "type": "work", "postalCode": "10001"}],
        "displayName": "Test User",
        "emails": [{"primary": True, "type": "work", "value": "Test_User_11bb11bb@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "User", "givenName": "Test"},
        "roles": [],
        "title": "Tester",
        ENTERPRISE: {"employeeNumber": "E-1001", "department": "QA"},
    }


def test_entra_user_lifecycle(scim_b):
    name = "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"
    assert scim_b.get("/Users", filter=f'userName eq "{name}"').doc["Resources"] == []
    created = scim_b.post("/Users", entra_user(name))
    assert created.status_code == 201, created.doc
    pid = created.doc["id"]
    assert created.doc[ENTERPRISE]["employeeNumber"] == "E-1001"
    manager = scim_b.post("/Users", entra_user("Boss_User")).doc["id"]

    operations = [
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Replace", "path": "displayName", "value": "Updated Name"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager},
        {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "10002"},  # not kept: ignored
    ]
    response = scim_b.patch(f"/Users/{pid}", patch(*operations))
    assert response.status_code == 200, response.doc
    person = Person.objects.get(pk=pid)
    assert (person.email, person.family_name, person.display_name, person.manager_id) == (
        "updatedEmail@microsoft.com", "updatedFamilyName", "Updated Name", manager)
    assert response.doc[ENTERPRISE]["manager"]["value"] == manager

    # Entra sends active as the string "False".
    response = scim_b.patch(f"/Users/{pid}", patch({"op": "Replace", "path": "active", "value": "False"}))
    assert response.status_code == 200 and response.doc["active"] is False
    assert Person.objects.get(pk=pid).active is False

    response = scim_b.patch(f"/Users/{pid}", patch({"op": "Remove", "path": f"{ENTERPRISE}:manager"}))
    assert Person.objects.get(pk=pid).manager_id is None

    # A bad value is a SCIM 400 and changes nothing.
    response = scim_b.patch(f"/Users/{pid}", patch({"op": "Replace", "path": "active", "value": "maybe"}))
    assert response.status_code == 400 and response.doc["scimType"] == "invalidValue"

    assert scim_b.delete(f"/Users/{pid}").status_code == 204
    assert scim_b.get(f"/Users/{pid}").status_code == 404
    gone = Person.all_objects.get(pk=pid)
    assert gone.is_deleted and not gone.active  # kept, so records naming it stay readable
    # The same userName may be provisioned again after a delete.
    assert scim_b.post("/Users", entra_user(name)).status_code == 201


def test_entra_group_membership(scim_b):
    ann = scim_b.post("/Users", entra_user("ann")).doc["id"]
    bob = scim_b.post("/Users", entra_user("bob")).doc["id"]
    created = scim_b.post("/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Group1DisplayName",
        "meta": {"resourceType": "Group"}})
    assert created.status_code == 201
    gid = created.doc["id"]
    assert scim_b.get("/Groups", filter='displayName eq "Group1DisplayName"').doc["totalResults"] == 1

    add = {"name": "addMember", "op": "Add", "path": "members", "value": [{"displayName": "ann", "value": ann},
                                                                          {"displayName": "bob", "value": bob}]}
    assert scim_b.patch(f"/Groups/{gid}", patch(add)).status_code == 204
    remove = {"name": "removeMember", "op": "Remove", "path": "members", "value": [{"value": ann}]}
    assert scim_b.patch(f"/Groups/{gid}", patch(remove)).status_code == 204
    rename = {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}
    assert scim_b.patch(f"/Groups/{gid}", patch(rename)).status_code == 204
    group = Group.objects.get(pk=gid)
    assert group.display_name.endswith("updatedDisplayName")
    assert list(group.members.values_list("pk", flat=True)) == [bob]
    assert Event.objects.filter(entity_id=gid, type="core.group.members_changed").count() == 2

    # Deleting a member person drops it from the group; the group stays.
    assert scim_b.delete(f"/Users/{bob}").status_code == 204
    assert "members" not in scim_b.get(f"/Groups/{gid}").doc  # unassigned: left out


def test_discovery_endpoints(scim_a):
    config = scim_a.get("/ServiceProviderConfig")
    assert config.status_code == 200 and config.doc["patch"]["supported"] is True
    assert config.doc["filter"]["supported"] is True and config.doc["bulk"]["supported"] is False
    assert config.doc["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = {t["id"]: t for t in scim_a.get("/ResourceTypes").doc["Resources"]}
    assert types["User"]["endpoint"] == "/Users" and types["Group"]["endpoint"] == "/Groups"  # relative
    schemas = {s["id"] for s in scim_a.get("/Schemas").doc["Resources"]}
    assert {"urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE,
            "urn:ietf:params:scim:schemas:core:2.0:Group"} <= schemas


def test_pages_are_counted_and_capped(scim_a, make_person):
    for i in range(5):
        make_person(user_name=f"p{i}@acme.example")
    page = scim_a.get("/Users", startIndex=2, count=2)
    assert page.doc["totalResults"] == 5 and page.doc["itemsPerPage"] == 2 and page.doc["startIndex"] == 2
    assert scim_a.get("/Users", count=100000).doc["itemsPerPage"] == 5
    assert scim_a.get("/Users", startIndex=0).status_code == 400
