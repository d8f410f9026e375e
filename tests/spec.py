"""The resource spec (spec/resources.json, the project's copy of ../shared/spec/resources.json) as test data."""
import json
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "spec" / "resources.json"
SHARED_SPEC_PATH = ROOT.parent / "shared" / "spec" / "resources.json"


@cache
def entity(name: str) -> dict:
    spec = json.loads(SPEC_PATH.read_text())
    return next(e for e in spec["entities"] if e["entity"] == name)


def in_spec(name: str) -> bool:
    """One of the contract's resources (extras, such as acknowledgement campaigns, are declared by their model)."""
    return any(e["entity"] == name for e in json.loads(SPEC_PATH.read_text())["entities"])


def field_names(name: str) -> set[str]:
    return {f["name"] for f in entity(name)["fields"]}
