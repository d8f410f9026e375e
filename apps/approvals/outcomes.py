"""Which records an approval request can decide: the models that declare `decisions` (apps.core.fsm)."""
from functools import cache

from django.apps import apps


def normalize(entity_type: str) -> str:
    """'AccessRequest', 'access_request', 'operations.AccessRequest' -> 'accessrequest'."""
    return (entity_type or "").rsplit(".", 1)[-1].replace("_", "").replace("-", "").replace(" ", "").lower()


@cache
def decided_models() -> dict[str, type]:
    """{normalized model name: model} for every model with a `decisions` declaration."""
    found = {}
    for model in apps.get_models():
        if getattr(model, "decisions", None) is not None:
            key = normalize(model.__name__)
            if key in found:
                raise RuntimeError(f"Two models declare decisions under the name {model.__name__}")
            found[key] = model
    return found


def chain_entity_types() -> list[tuple[str, str]]:
    """What an approval chain may be for: the models approvals decide, by class name."""
    return sorted((m.__name__, str(m._meta.verbose_name).capitalize()) for m in decided_models().values())


def target_model(entity_type: str):
    return decided_models().get(normalize(entity_type))


def decided_by_approvals(model) -> bool:
    return decided_models().get(normalize(model.__name__)) is model
