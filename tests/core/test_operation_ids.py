"""Operation ids and SDK method names are a public contract (clients/typescript/operation-ids.txt)."""
import json
import re
from pathlib import Path

from django.conf import settings

SDK = Path(settings.BASE_DIR) / "clients" / "typescript"


def committed() -> dict[str, str]:
    lines = (SDK / "operation-ids.txt").read_text().splitlines()
    return dict(line.split("\t") for line in lines if line and not line.startswith("#"))


def test_no_operation_id_is_renamed_removed_or_added_silently():
    schema = json.loads((SDK / "openapi.json").read_text())
    current = {op["operationId"] for item in schema["paths"].values() for op in item.values()
               if isinstance(op, dict) and "operationId" in op}
    listed = committed()
    assert not set(listed) - current, f"renamed or removed (a breaking change): {sorted(set(listed) - current)}"
    added = "".join(f"{op}\tclient.{op}()\n" for op in sorted(current - set(listed)))
    assert not added, f"new operations: add these lines to clients/typescript/operation-ids.txt (after `make sdk`):\n{added}"


def test_every_listed_sdk_method_exists_in_the_generated_client():
    source = (SDK / "src" / "generated" / "sdk.gen.ts").read_text()
    methods: dict[str, set[str]] = {}
    for name, body in re.findall(r"export class (\w+) extends HeyApiClient \{(.*?)\n\}", source, re.DOTALL):
        key = re.sub(r"\d+$", "", name)  # the generator numbers a second class of one name
        methods[key] = methods.get(key, set()) | set(re.findall(r"public (\w+)<", body))
    for operation_id, call in committed().items():
        assert call == f"client.{operation_id}()"
        _domain, resource, method = operation_id.split(".")
        assert method in methods.get(resource[:1].upper() + resource[1:], set()), operation_id
