"""The published OpenAPI schema describes what the server does (what a generated client relies on)."""
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.fsm import transitions_of
from apps.core.api.serializers import TransitionBody

pytestmark = pytest.mark.django_db
OPERATION_ID = re.compile(r"^[a-z]+\.[a-z][A-Za-z]*\.[a-z][A-Za-z]*$")
BASE_DOCS = ("Declare `queryset`", "ModelSerializer for TenantModel", "The one base viewset")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def ref_name(media: dict) -> str:
    return media["schema"]["$ref"].rsplit("/", 1)[-1]


def test_operation_ids_nest_as_domain_resource_action_and_every_operation_is_described(schema):
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids)) and all(OPERATION_ID.match(i) for i in ids), ids
    assert {"operations.accessRequests.list", "operations.accessRequests.approve", "approvals.steps.approve",
            "policies.policies.listVersions", "helpdesk.tickets.addComment"} <= set(ids)
    for path, method, op in operations(schema):
        assert op.get("summary") and op.get("description"), (method, path)
        assert op["tags"] == [path.split("/")[3]]
        assert not any(doc in op["description"] for doc in BASE_DOCS), (method, path)
    assert not any(doc in str(c.get("description", "")) for c in schema["components"]["schemas"].values()
                   for doc in BASE_DOCS)
    from apps.core.scopes import API_DOMAINS

    assert {t["name"] for t in schema["tags"]} == {*API_DOMAINS, "events"}  # every domain's tag is declared
    assert schema["servers"] and schema["openapi"].startswith("3.1")


def test_every_transition_documents_its_own_body_and_the_record_it_returns(schema):
    from tests.quality.routes import api_routes

    seen, exposed = set(), set()
    for route in api_routes():
        exposed |= {(route.model._meta.label, n) for n, info in transitions_of(route.model).items() if info.exposed}
        for name, info in transitions_of(route.model).items():
            if not info.exposed or not route.template.endswith(f"/{{pk}}/{name}"):
                continue
            path = route.template.replace("{pk}", "{id}")
            op = schema["paths"][path]["post"]
            body = route.viewset.record_actions.body(name)  # the action's own; a refusal needs its reason
            assert ref_name(op["requestBody"]["content"]["application/json"]) == f"{body.__name__}Request", path
            assert "required" not in op["requestBody"] or body is not TransitionBody
            assert ref_name(op["responses"]["200"]["content"]["application/json"]) == route.model.__name__
            assert "ETag" in op["responses"]["200"]["headers"]
            assert any(p["name"] == "If-Match" and p["in"] == "header" for p in op["parameters"])
            assert {"400", "401", "403", "404", "409", "412", "413", "429"} <= set(op["responses"])
            assert op["responses"]["409"]["content"]["application/problem+json"]
            if info.custom.get("doc"):
                assert info.custom["doc"] in op["description"]
            seen.add((route.model._meta.label, name))
    assert seen == exposed  # every exposed transition of every routed model has its own documented route
    assert len(seen) >= 34  # at least the contract's (spec/resources.json)


def test_fields_are_typed_as_the_server_reads_and_writes_them(schema):
    components = schema["components"]["schemas"]
    assert components["Equipment"]["properties"]["cost"]["type"] == ["number", "null"]
    assert components["OrderEquipmentBodyRequest"]["properties"]["cost"]["type"] == ["number", "null"]
    tags = components["TicketRequest"]["properties"]["tags"]
    assert tags["type"] == "array" and tags["items"]["type"] == "string"  # so {"tags": null} is invalid
    assert components["WebhookRequest"]["properties"]["headers"]["additionalProperties"] == {"type": "string"}
    assert components["IntegrationApiKey"]["properties"]["key_hash"]["type"] == ["string", "null"]
    assert components["IntegrationApiKey"]["properties"]["key_fingerprint"]["type"] == ["string", "null"]
    assert "SourceTypeEnum" in components and not any(n.endswith("SourceTypeEnum") and n != "SourceTypeEnum"
                                                      for n in components)
    for name, component in components.items():
        for prop, spec in component.get("properties", {}).items():
            assert "nullable" not in spec, (name, prop)
    listing = schema["paths"]["/api/v1/operations/access-requests"]["get"]
    page_size = next(p for p in listing["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 500)
    for nested in ("/api/v1/helpdesk/tickets/{id}/comments", "/api/v1/policies/{id}/versions",
                   "/api/v1/policies/{id}/acknowledgements", "/api/v1/integration/webhooks/{id}/deliveries"):
        page = ref_name(schema["paths"][nested]["get"]["responses"]["200"]["content"]["application/json"])
        assert page.startswith("Paginated") and "next" in components[page]["properties"], nested


def test_money_is_a_json_number(caller):
    it = caller("acme", "per_it", ("it", "approver"))
    created = it.post("/api/v1/operations/equipment", {"requester_id": "per_ann", "equipment_type": "laptop",
                                                        "specification": "14 inch"}, format="json").json()
    approver = caller("acme", "per_approver", ("it", "approver"))
    assert approver.post(f"/api/v1/operations/equipment/{created['id']}/approve", format="json").status_code == 200
    ordered = approver.post(f"/api/v1/operations/equipment/{created['id']}/provision", {"cost": 1299.5}, format="json")
    assert ordered.status_code == 200, ordered.content
    assert ordered.json()["cost"] == 1299.5 and b'"cost":1299.5' in ordered.content
    from apps.operations.models import Equipment

    assert str(Equipment.objects.get(pk=created["id"]).cost) == "1299.50"


def test_integer_bounds_do_not_depend_on_the_database_backend(schema, admin_a):
    # SQLite would otherwise publish (and accept) 64-bit counts where PostgreSQL stores 32 bits.
    delivery = schema["components"]["schemas"]["WebhookDelivery"]["properties"]["attempts"]
    key = schema["components"]["schemas"]["IntegrationApiKeyRequest"]["properties"]["rpm_limit"]
    assert (delivery["minimum"], delivery["maximum"]) == (0, 2**31 - 1) and "format" not in delivery
    assert (key["minimum"], key["maximum"]) == (1, 2**31 - 1)
    response = admin_a.post("/api/v1/integration/api-keys", {"name": "big", "scopes": ["*"], "rpm_limit": 2**31},
                           format="json")
    assert response.status_code == 400 and "rpm_limit" in str(response.json()), response.json()


def test_every_model_serializer_takes_the_portable_integer_ranges(schema):
    # The schema above is generated on whichever backend the suite runs; a model serializer without the
    # mixin publishes different bounds on SQLite than on PostgreSQL, and `make sdk-check` then fails.
    from rest_framework.serializers import ModelSerializer

    from apps.core.api.serializers import PortableIntegerRanges

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {cls for cls in subclasses(ModelSerializer) if cls.__module__.startswith("apps.")}
    assert ours, "no model serializers found"
    assert sorted(c.__qualname__ for c in ours if not issubclass(c, PortableIntegerRanges)) == []
