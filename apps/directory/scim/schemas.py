"""The schemas /scim/v2/Schemas publishes: django-scim2's RFC 7643 documents cut down to the
attributes this directory keeps, so a client (or a compliance checker) knows what round-trips."""
import copy

from django_scim.constants import SchemaURI
from django_scim.schemas import ALL

SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
KEPT = {
    # One email is kept (the primary one): its type and primary flag are not. One address's locality is kept
    # (the work one's, else the primary one's, else the first one's): the person's location.
    SchemaURI.USER: {"userName": None, "name": {"givenName", "familyName"}, "displayName": None,
                     "title": None, "active": None, "addresses": {"locality"},
                     "emails": {"value"}, "groups": {"value", "$ref", "display"}},
    SchemaURI.ENTERPRISE_USER: {"employeeNumber": None, "department": None, "manager": {"value", "$ref"}},
    SchemaURI.GROUP: {"displayName": None, "members": {"value", "$ref"}},
}
# Required here (RFC 7643 leaves them optional): a group needs a name; `active` is always set.
REQUIRED = {(SchemaURI.GROUP, "displayName"), (SchemaURI.USER, "active")}


def _cut(schema: dict) -> dict:
    kept = KEPT.get(schema["id"])
    schema = copy.deepcopy(schema)
    schema["schemas"] = [SCHEMA]
    schema["meta"] = {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{schema['id']}"}
    if kept is None:
        return schema
    attributes = []
    for attribute in schema["attributes"]:
        name = attribute["name"]
        if name not in kept:
            continue
        if (schema["id"], name) in REQUIRED:
            attribute["required"] = True
        subs = kept[name]
        if subs is not None:
            attribute["subAttributes"] = [s for s in attribute.get("subAttributes", []) if s["name"] in subs]
        attributes.append(attribute)
    schema["attributes"] = attributes
    return schema


SCHEMAS = [_cut(schema) for schema in ALL]


def published_schemas() -> list[dict]:
    return SCHEMAS
