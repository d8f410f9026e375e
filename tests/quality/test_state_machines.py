"""Random sequences of transitions, driven through the API, never reach a state the spec does
not allow: a transition legal by resources.json answers 200 and lands on the spec's target;
any other answers 409 and changes nothing. Records and transitions come from the models, the
expectations from the spec, so a model drifting from resources.json fails here."""
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.core.fsm import state_field, transitions_of
from apps.core.models import TenantModel
from tests.quality.routes import api_routes, build_record
from tests.spec import entity, in_spec

# The approval engine moves requests and steps together (a step's decision settles its request), so
# random single-record sequences say nothing there; tests/approvals drives them as a chain.
DRIVEN_BY_THE_ENGINE = {ApprovalRequest, ApprovalStep}
MODELS = sorted((m for m in apps.get_models() if issubclass(m, TenantModel) and state_field(m) is not None
                 and m not in DRIVEN_BY_THE_ENGINE), key=lambda m: m._meta.label)
# A model's collection route: the one that creates, else (records made by the system only) the one that lists.
ROUTES = {route.model: route for route in api_routes() if not route.detail and "GET" in route.methods}
ROUTES.update({route.model: route for route in api_routes() if not route.detail and "POST" in route.methods})


def body_for(name: str) -> dict:
    if name == "renew":
        return {"expires_at": (timezone.now() + timedelta(days=30)).isoformat()}
    if name == "book":  # a booking records its reference and cost
        return {"booking_reference": "HYP-1", "booked_cost": "100.00", "comment": "hypothesis book"}
    return {"comment": f"hypothesis {name}", **({"reason": "not needed"} if name == "reject" else {})}


def expected(model, name: str, state: str) -> str | None:
    """The target the spec (or, for transitions the spec does not list, the model) allows from `state`."""
    declared = entity(model.__name__).get("transitions", []) if in_spec(model.__name__) else []
    spec = {t["name"]: t for t in declared}
    if name in spec:
        return spec[name]["target"] if state in spec[name]["source"] else None
    info = transitions_of(model)[name]
    return info.target if info.allowed_from(state) else None


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_transition_sequences_follow_the_spec(model, data, caller):
    sequence = data.draw(st.lists(st.sampled_from(transition_names(model)), min_size=1, max_size=8), label="transitions")
    with transaction.atomic():  # each example starts from a fresh record and leaves nothing behind
        run_sequence(model, sequence, caller("acme", "per_machine_admin", ("admin",)))
        transaction.set_rollback(True)


def transition_names(model) -> list[str]:
    return sorted(info.name for info in transitions_of(model).values() if info.exposed)


def run_sequence(model, sequence: list[str], admin) -> None:
    statuses = ({f["name"]: f for f in entity(model.__name__)["fields"]}["status"]["enum"] if in_spec(model.__name__)
                else [value for value, _ in state_field(model).choices])
    record = build_record(model, tenant="acme")
    field = state_field(model).name
    base = ROUTES[model].url().rstrip("/")
    for name in sequence:
        before = getattr(type(record).objects.get(pk=record.pk), field)
        response = admin.post(f"{base}/{record.pk}/{name}", body_for(name), format="json")
        after = getattr(type(record).objects.get(pk=record.pk), field)
        target = expected(model, name, before)
        if target is None:
            assert response.status_code == 409, (name, before, response.content[:300])
            assert after == before
        else:
            assert response.status_code == 200, (name, before, response.content[:300])
            assert after == target == response.json()[field]
        assert after in statuses
