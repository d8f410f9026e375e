"""Fields with a known set of values: the set is declared on the model field as a validator, so the
API (400), the admin (a choice, and a form error) and commands refuse an unknown value alike.

`OneOf(source)` takes a TextChoices class or a function returning `[(value, label), ...]` (a
registry read when asked: event types, API scopes, the models approvals can decide). On a JSON
list field every item must be one of them.
"""
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

SHOWN = 12  # values named in an error message; the admin's choice lists them all


@deconstructible
class OneOf:
    def __init__(self, source: type | Callable[[], list[tuple[str, str]]]):
        self.source = source

    def choices(self) -> list[tuple[str, str]]:
        found = self.source.choices if isinstance(self.source, type) else self.source()
        return [(str(value), str(label)) for value, label in found]

    def __call__(self, value) -> None:
        if isinstance(value, dict):  # a JSON field takes any shape: a map is no value of the set
            raise ValidationError("Expected a list of values or a single value, not a map.", code="invalid")
        items = value if isinstance(value, list) else [value]
        known = {v for v, _ in self.choices()}
        unknown = [item for item in items if not isinstance(item, str) or item not in known]
        if unknown:
            named = ", ".join(sorted(known)[:SHOWN]) + (", …" if len(known) > SHOWN else "")
            raise ValidationError(f"Unknown value {', '.join(map(repr, unknown))}: choose from {named}.",
                                  code="invalid_choice")

    def __eq__(self, other) -> bool:
        return isinstance(other, OneOf) and other.source == self.source


def allowed_values(db_field) -> OneOf | None:
    return next((v for v in db_field.validators if isinstance(v, OneOf)), None)
