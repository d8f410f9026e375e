"""The table relating each resource's spellings (docs/events.md, apps/core/api/resources.py) is read
from the router, and every spelling it prints is the one the schema, the SDK and the events use."""
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

from apps.core.api.resources import api_resources
from apps.core.event_catalogue import catalogue
from tests.quality.routes import api_routes

ROOT = Path(__file__).resolve().parents[2]


def test_every_listed_route_is_a_resource_of_the_table():
    listed = {route.template.rstrip("/") for route in api_routes() if not route.detail and "GET" in route.methods
              and route.viewset is not None and route.template.count("/") <= 5}
    paths = {resource.path for resource in api_resources()}
    assert paths and paths <= listed
    assert "/api/v1/operations/access-requests" in paths and "/api/v1/policies" in paths


def test_each_spelling_is_the_one_in_use():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation_ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()
                     if isinstance(op, dict) and "operationId" in op}
    committed = (ROOT / "clients" / "typescript" / "operation-ids.txt").read_text()
    events = catalogue()
    for resource in api_resources():
        assert resource.component in schema["components"]["schemas"], resource
        get = schema["paths"][resource.path]["get"]
        assert get["operationId"] == f"{resource.sdk}.list" in operation_ids, resource
        assert f"{resource.sdk}.list\tclient.{resource.sdk}.list()" in committed, resource
        assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
            f"Paginated{resource.component}List"), resource
        assert any(name.startswith(f"{resource.event_prefix}.") for name in events), resource


def test_the_table_is_in_the_events_document():
    text = (ROOT / "docs" / "events.md").read_text()
    assert "| access requests | `/api/v1/operations/access-requests` | `AccessRequest` | " \
           "`client.operations.accessRequests.*` | `operations.access_request.*` |" in text
