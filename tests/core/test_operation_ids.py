"""Operation ids and SDK method names are a public contract (clients/typescript/operation-ids.txt).

The server's own schema is the reference: a new operation fails here before anyone has run `make sdk`,
and each failure names the step that follows it (write the schema and the client, list the ids)."""
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

SDK = Path(settings.BASE_DIR) / "clients" / "typescript"
MAKE_SDK = ("run `DEBUG=true make sdk` (it writes clients/typescript/openapi.json and the TypeScript client in "
            "src/generated/) and commit both")


def committed() -> dict[str, str]:
    lines = (SDK / "operation-ids.txt").read_text().splitlines()
    return dict(line.split("\t") for line in lines if line and not line.startswith("#"))


def operation_ids(schema: dict) -> set[str]:
    return {op["operationId"] for item in schema["paths"].values() for op in item.values()
            if isinstance(op, dict) and "operationId" in op}


@pytest.fixture(scope="module")
def served() -> set[str]:
    """The operation ids of the schema the server serves now (what `make sdk` would write)."""
    return operation_ids(SchemaGenerator().get_schema(request=None, public=True))


def test_no_operation_id_is_renamed_removed_or_added_silently(served):
    listed = committed()
    assert not set(listed) - served, f"renamed or removed (a breaking change): {sorted(set(listed) - served)}"
    added = "".join(f"{op}\tclient.{op}()\n" for op in sorted(served - set(listed)))
    assert not added, f"new operations: add these lines to clients/typescript/operation-ids.txt, and {MAKE_SDK}:\n{added}"


def test_the_committed_schema_has_the_served_operations(served):
    written = operation_ids(json.loads((SDK / "openapi.json").read_text()))
    missing, gone = sorted(served - written), sorted(written - served)
    assert not (missing or gone), (f"clients/typescript/openapi.json is stale (missing {missing}, no longer served "
                                   f"{gone}): {MAKE_SDK}")


def test_every_listed_sdk_method_exists_in_the_generated_client():
    source = (SDK / "src" / "generated" / "sdk.gen.ts").read_text()
    methods: dict[str, set[str]] = {}
    for name, body in re.findall(r"export class (\w+) extends HeyApiClient \{(.*?)\n\}", source, re.DOTALL):
        key = re.sub(r"\d+$", "", name)  # the generator numbers a second class of one name
        methods[key] = methods.get(key, set()) | set(re.findall(r"public (\w+)<", body))
    absent = []
    for operation_id, call in committed().items():
        assert call == f"client.{operation_id}()", f"operation-ids.txt: {operation_id} maps to {call}"
        _domain, resource, method = operation_id.split(".")
        if method not in methods.get(resource[:1].upper() + resource[1:], set()):
            absent.append(call)
    assert not absent, f"not in clients/typescript/src/generated/sdk.gen.ts: {', '.join(absent)}; {MAKE_SDK}"
