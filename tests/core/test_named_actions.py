"""Every write is a named action (apps/core/actions.py): each transition of each model has one, listed
in its domain's map, and the API and the admin run exactly that map."""
import importlib
import inspect

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from apps.approvals.reactions import OUTCOMES
from apps.core.actions import Actions, action, transition_action
from apps.core.fsm import transitions_of
from apps.core.text import snake_case
from apps.helpdesk.actions import TICKET_ACTIONS, ticket_hold, ticket_open
from apps.helpdesk.models import Ticket
from tests.quality.routes import api_routes

# Where a domain declares its maps (README "The code": how to add an action).
MAP_MODULES = ("actions",)


def declared_maps() -> dict[type, tuple[str, str, Actions]]:
    """{model: (module, attribute, map)} for every `Actions` map the domains declare."""
    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        for module_name in MAP_MODULES:
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for attribute, value in vars(module).items():
                if isinstance(value, Actions):
                    assert value.model not in found, f"{value.model.__name__} has two maps: {found[value.model][:2]} " \
                                                     f"and {(module.__name__, attribute)}"
                    found[value.model] = (module.__name__, attribute, value)
    return found


def unnamed_transitions() -> list[str]:
    """What a newcomer must add, spelled out: one line per transition without a named action."""
    maps = declared_maps()
    problems = []
    for model in apps.get_models():
        if not model.__module__.startswith("apps.") or not transitions_of(model):
            continue
        entity, app = snake_case(model.__name__), model._meta.app_config.name
        map_name = f"{entity.upper()}_ACTIONS"
        if model not in maps:
            problems.append(f"{model.__name__} has transitions but no map: declare `{map_name} = Actions({model.__name__}, "
                            f"transitions=(...))` in {app}/actions.py and name it as `record_actions` on its viewset and admin.")
            continue
        module, attribute, declared = maps[model]
        problems += [f"{model.__name__}.{name} has no named action: add `{entity}_{name} = transition_action("
                     f"{model.__name__}, \"{name}\")` (or an @action({model.__name__}, \"{name}\") function) to {module} "
                     f"and list it in {attribute}.transitions." for name in declared.missing]
    return problems


def test_every_transition_has_a_named_action():
    assert unnamed_transitions() == []


def test_a_new_transition_without_its_action_is_named_with_the_line_to_add(monkeypatch):
    """Another transition on Ticket (as a helper adding AccessRequest's provisioning states would):
    the failure says which line to add; that one line makes it pass."""
    import apps.helpdesk.actions as helpdesk

    shorter = Actions(Ticket, create=TICKET_ACTIONS.create, update=TICKET_ACTIONS.update,
                      transitions=tuple(f for f in TICKET_ACTIONS.transitions if f is not ticket_hold))
    monkeypatch.setattr(helpdesk, "TICKET_ACTIONS", shorter)
    assert unnamed_transitions() == [
        'Ticket.hold has no named action: add `ticket_hold = transition_action(Ticket, "hold")` (or an '
        '@action(Ticket, "hold") function) to apps.helpdesk.actions and list it in TICKET_ACTIONS.transitions.']
    one_line = transition_action(Ticket, "hold")
    monkeypatch.setattr(helpdesk, "TICKET_ACTIONS", Actions(Ticket, transitions=(*shorter.transitions, one_line)))
    assert unnamed_transitions() == []
    assert one_line.__name__ == "ticket_hold" and one_line.transition == "hold"


def test_a_map_refuses_what_is_not_its_models_action():
    with pytest.raises(ImproperlyConfigured, match="no transition 'craete'"):
        action(Ticket, "craete")
    with pytest.raises(ImproperlyConfigured, match="not an action of Ticket"):
        Actions(Ticket, transitions=(len,))
    with pytest.raises(ImproperlyConfigured, match="listed twice"):
        Actions(Ticket, transitions=(ticket_open, transition_action(Ticket, "open")))


def test_the_api_and_the_admin_run_the_domains_map():
    maps = {model: declared for model, (_, _, declared) in declared_maps().items()}
    for route in api_routes():
        model = route.model
        if model in maps:
            assert route.viewset.record_actions is maps[model], f"{route.viewset.__name__}: record_actions = its map"
    for model, model_admin in admin.site._registry.items():
        if model in maps:
            assert model_admin.record_actions is maps[model], f"{type(model_admin).__name__}: record_actions = its map"


def test_every_request_body_field_is_an_argument_of_its_action():
    """The action's serializer is the request body's contract: its fields are the function's keyword
    arguments (a renamed parameter fails here, not silently in the API)."""
    for _, _, declared in declared_maps().values():
        for name, function in declared.by_name.items():
            params = inspect.signature(function).parameters
            fields = [f for f, field in declared.body(name)().fields.items() if not field.read_only]
            takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
            assert takes_any or set(fields) <= set(params), f"{function.__qualname__} does not take {set(fields) - set(params)}"
            assert function.__name__ == f"{snake_case(declared.model.__name__)}_{name}", function.__name__


def test_an_approval_outcome_runs_the_records_own_actions():
    """apps/approvals/reactions.py: one entry per model approvals decide, matching its `decisions`."""
    decided = {m for m in apps.get_models() if getattr(m, "decisions", None) is not None}
    assert set(OUTCOMES) == decided
    for model, outcome in OUTCOMES.items():
        assert outcome.approve.model is model and outcome.approve.transition == model.decisions.approve
        assert (outcome.reject.transition if outcome.reject else None) == model.decisions.reject
