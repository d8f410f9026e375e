"""Every resource the router serves has one test class, in its own test module, composing the generated checks
of tests/resource_tests.py that apply to it (or saying in `not_covered` why one is left out); a new resource fails
here until its module has one. The classes are read from the test modules' source, so this holds whichever tests
a run collects."""
import ast
from dataclasses import dataclass
from pathlib import Path

from tests.quality.routes import api_routes
from tests.resource_tests import MIXINS, routes_by_model

TESTS = Path(__file__).resolve().parents[1]
MIXIN_NAMES = {mixin.__name__ for mixin in MIXINS}


@dataclass(frozen=True)
class ResourceClass:
    where: str  # tests/helpdesk/test_tickets_api.py::TestTicketResource
    model: str  # the model's class name
    mixins: frozenset[str]
    not_covered: frozenset[str]


def resource_classes() -> list[ResourceClass]:
    """The collected test classes (test_*.py, class Test*) that compose a mixin, with the model they set."""
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        source = path.read_text()
        if "resource_tests" not in source:
            continue
        for node in ast.parse(source).body:
            bases = {base.id for base in getattr(node, "bases", ()) if isinstance(base, ast.Name)}
            if not isinstance(node, ast.ClassDef) or not node.name.startswith("Test") or not bases & MIXIN_NAMES:
                continue
            values = {target.id: statement.value for statement in node.body if isinstance(statement, ast.Assign)
                      for target in statement.targets if isinstance(target, ast.Name)}
            model = values.get("model")
            not_covered = ast.literal_eval(values["not_covered"]) if "not_covered" in values else {}
            found.append(ResourceClass(f"{path.relative_to(TESTS.parent)}::{node.name}",
                                       model.id if isinstance(model, ast.Name) else "", frozenset(bases & MIXIN_NAMES),
                                       frozenset(not_covered)))
    return found


def test_the_router_exposes_resources_with_records():
    routes = api_routes()
    assert sum(route.detail for route in routes) >= 8 and sum(not route.detail for route in routes) >= 2


def test_every_resource_has_one_class_composing_the_checks_that_apply_to_it():
    resources = {model.__name__: model for model in routes_by_model()}
    assert len(resources) == len(routes_by_model()), "two resources' models share a name"
    classes: dict[str, list[ResourceClass]] = {}
    for found in resource_classes():
        assert found.model in resources, f"{found.where}: model = {found.model or '?'} is no resource the router serves"
        classes.setdefault(found.model, []).append(found)

    missing = sorted(set(resources) - set(classes))
    assert not missing, (f"no test class composes tests/resource_tests.py for {', '.join(missing)}: add one to the "
                         "resource's test module, e.g. `class TestTicketResource(TenantIsolationTests, ...): model = Ticket`")
    twice = {name: [c.where for c in found] for name, found in classes.items() if len(found) > 1}
    assert not twice, f"one class per resource, so each check runs once: {twice}"

    for name, (found,) in classes.items():
        applies = {mixin.__name__ for mixin in MIXINS if mixin.applies(resources[name])}
        left_out = applies - found.mixins - found.not_covered
        assert not left_out, f"{found.where} leaves out {sorted(left_out)}: compose it, or say why in `not_covered`"
        stale = found.not_covered - (applies - found.mixins)
        assert not stale, f"{found.where}: `not_covered` names {sorted(stale)}, which it composes or which do not apply"
        assert found.mixins <= applies, f"{found.where} composes {sorted(found.mixins - applies)}, which do not apply"
