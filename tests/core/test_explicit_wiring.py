"""Wired explicitly, not looked up by name: the event each transition emits (`@transition(...,
event="approved")`), core below the domains. The named actions: tests/core/test_named_actions.py."""
import pytest
from django.apps import apps

from apps.core import services as core
from apps.core.fsm import transition, transitions_of
from apps.core.models import TenantModel


def test_every_transition_declares_the_event_it_emits():
    declared = {(model.__name__, name): info.event for model in apps.get_models() if model.__module__.startswith("apps.")
                for name, info in transitions_of(model).items()}
    assert declared[("AccessRequest", "approve")] == "approved" and declared[("Equipment", "return")] == "returned"
    assert all(event.isidentifier() for event in declared.values())


def test_a_transition_without_its_event_does_not_import():
    with pytest.raises(TypeError):
        transition(field="status", source="open", target="closed")
    with pytest.raises(ValueError):
        transition(field="status", source="open", target="closed", event="")


def test_core_imports_no_domain():
    """Domains build on core (panels, services, guards register themselves); never the other way."""
    from pathlib import Path

    core_dir = Path(core.__file__).resolve().parent
    platform = {"apps.core", "apps.idempotency"}  # the API's own extensions, no domain's rules
    domains = [c.name for c in apps.get_app_configs() if c.name.startswith("apps.") and c.name not in platform]
    offenders = [f"{path.relative_to(core_dir)}: {domain}" for path in core_dir.rglob("*.py") if "migrations" not in path.parts
                 for domain in domains if f"from {domain}" in path.read_text() or f"import {domain}" in path.read_text()]
    assert offenders == []


def test_the_directory_builds_on_core_alone():
    """core < directory < the domains that name people: the directory imports core (and the API's own
    extensions), no domain; core reaches the directory only through apps/core/directory_link.py."""
    from pathlib import Path

    directory_dir = Path(apps.get_app_config("directory").path)
    below = {"apps.core", "apps.idempotency", "apps.directory"}
    domains = [c.name for c in apps.get_app_configs() if c.name.startswith("apps.") and c.name not in below]
    offenders = [f"{path.relative_to(directory_dir)}: {domain}" for path in directory_dir.rglob("*.py")
                 if "migrations" not in path.parts
                 for domain in domains if f"from {domain}" in path.read_text() or f"import {domain}" in path.read_text()]
    assert offenders == []
    order = [c.name for c in apps.get_app_configs()]  # seed_demo seeds in this order: people before their records
    assert order.index("apps.core") < order.index("apps.directory") < min(order.index(d) for d in domains)


def test_secrets_and_their_paths_are_not_searchable():
    from apps.core.api.filters import text_fields

    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        assert set(model.unsearchable_fields) <= names, model
        secretish = {n for n in names if any(w in n for w in ("hash", "vault", "secret", "token", "password"))}
        assert not secretish & set(text_fields(model)), (model, secretish & set(text_fields(model)))


def test_helpdesk_models_sla_and_selectors_import_in_one_direction_at_module_level():
    """models ← selectors ← sla ← services: the model names no rule that reads it back, and none of
    them hides a cycle in a function-local import."""
    import ast
    from pathlib import Path

    app = Path(apps.get_app_config("helpdesk").path)
    layers = ["models", "selectors", "sla", "services"]
    for index, name in enumerate(layers):
        tree = ast.parse((app / f"{name}.py").read_text())
        later = set(layers[index + 1:])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module not in later, f"{name}.py imports .{node.module}"
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            local = [n for n in ast.walk(function) if isinstance(n, ast.ImportFrom) and n.level == 1]
            assert not local, f"{name}.py {function.name} imports .{local[0].module} inside the function"
