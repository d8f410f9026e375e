"""What a webhook may subscribe to: the event catalogue's types (apps/core/event_catalogue.py, where each
is declared once with its payload) and their wildcards. `events.emit` refuses a type the catalogue lacks,
so a webhook can subscribe to every event that happens and to no typo."""
from .event_catalogue import catalogue, is_declared

__all__ = ["event_type_choices", "event_types", "is_declared"]


def event_types() -> frozenset[str]:
    return frozenset(catalogue())


def event_type_choices() -> list[tuple[str, str]]:
    """`*`, each domain's and entity's `….*`, then each type: what a webhook may subscribe to."""
    types = sorted(event_types())
    domains = sorted({t.split(".")[0] for t in types})
    entities = sorted({t.rsplit(".", 1)[0] for t in types})
    return ([("*", "Every event")] + [(f"{d}.*", f"Every {d} event") for d in domains]
            + [(f"{e}.*", f"Every {e} event") for e in entities] + [(t, t) for t in types])
