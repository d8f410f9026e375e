"""The event registry: every type the outbox can hold, read from the models' declarations.

A tenant model emits `<app>.<entity>.<action>` for `created`, `updated`, `deleted`, each of its
transitions' events and the `extra_events` it declares (sweeps and services that emit more). `emit`
refuses a type missing here, so a webhook can subscribe to every event that happens and to no typo.
"""
from functools import cache

from django.apps import apps

from .fsm import transitions_of

RECORD_ACTIONS = ("created", "updated", "deleted")


def actions_of(model) -> tuple[str, ...]:
    return tuple(dict.fromkeys(
        (*RECORD_ACTIONS, *(t.event for t in transitions_of(model).values()), *model.extra_events)))


@cache
def event_types() -> frozenset[str]:
    from .models import TenantModel

    return frozenset(f"{m._meta.app_label}.{m.entity_name()}.{action}" for m in apps.get_models()
                     if issubclass(m, TenantModel) for action in actions_of(m))


def event_type_choices() -> list[tuple[str, str]]:
    """`*`, each domain's and entity's `….*`, then each type: what a webhook may subscribe to."""
    types = sorted(event_types())
    domains = sorted({t.split(".")[0] for t in types})
    entities = sorted({t.rsplit(".", 1)[0] for t in types})
    return ([("*", "Every event")] + [(f"{d}.*", f"Every {d} event") for d in domains]
            + [(f"{e}.*", f"Every {e} event") for e in entities] + [(t, t) for t in types])
