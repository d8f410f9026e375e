"""Domain services are wired explicitly (`@serves(Model, action)`), not found by their names."""
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from apps.core import services as core
from apps.core.fsm import transitions_of
from apps.core.text import snake_case
from apps.helpdesk import services as helpdesk_services
from apps.helpdesk.models import Ticket


def test_the_api_and_admin_find_a_service_by_registration_not_by_name(monkeypatch):
    assert core.dispatch(Ticket, "create") is helpdesk_services.ticket_create
    # Renaming the function (or the module attribute) changes nothing: the registry holds it.
    monkeypatch.delattr(helpdesk_services, "ticket_create")
    assert core.dispatch(Ticket, "create").__name__ == "ticket_create"


def test_an_action_the_model_does_not_have_fails_at_import():
    with pytest.raises(ImproperlyConfigured, match="no action 'craete'"):
        core.serves(Ticket, "craete")


def test_a_second_service_for_one_action_fails_at_import():
    with pytest.raises(ImproperlyConfigured, match="two services"):
        @core.serves(Ticket, "create")
        def another_create(*, actor, data):  # noqa: ARG001
            raise AssertionError


def test_no_service_named_like_an_action_is_left_unregistered():
    """A `<model>_<action>` function nobody registered would be dead code the generic service ignores."""
    registered = set(core.registered_services().values())
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{model._meta.app_config.name}.services")
        except ModuleNotFoundError:
            continue
        for action in ("create", "update", "delete", *transitions_of(model)):
            function = getattr(module, f"{snake_case(model.__name__)}_{action}", None)
            assert function is None or function in registered, f"{function.__qualname__} is not registered with @serves"
