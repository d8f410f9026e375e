"""What an approval decision does to the record it is about, written as data in one place."""
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Outcome:
    model: str  # app_label.ModelName
    on_approve: str | None
    on_reject: str | None


OUTCOMES = {
    "accessrequest": Outcome("operations.AccessRequest", "approve", "reject"),
    "equipment": Outcome("operations.Equipment", "approve", None),  # equipment has no rejected state
    "travel": Outcome("operations.Travel", "approve", "cancel"),
    "hrrequest": Outcome("operations.HRRequest", "start", "reject"),
    "policy": Outcome("policies.Policy", "complete", None),  # a rejected policy stays as it is
}


def normalize(entity_type: str) -> str:
    """'AccessRequest', 'access_request', 'operations.AccessRequest' -> 'accessrequest'."""
    return (entity_type or "").rsplit(".", 1)[-1].replace("_", "").replace("-", "").replace(" ", "").lower()


def outcome_for(entity_type: str) -> Outcome | None:
    return OUTCOMES.get(normalize(entity_type))


def target_model(outcome: Outcome):
    try:
        return apps.get_model(outcome.model)
    except LookupError:
        return None


def outcome_for_model(model) -> Outcome | None:
    outcome = OUTCOMES.get(model.__name__.lower())
    return outcome if outcome and outcome.model == model._meta.label else None
