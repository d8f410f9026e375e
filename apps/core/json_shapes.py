"""The shape of each JSON column, declared once on the model that owns it:

    json_shapes = {"event_types": STRING_LIST, "retry_policy": {...}}   # JSON Schema (2020-12)

Every model with a JSON column declares its shapes, a tenant's record or not (`ShapedModel`, which
TenantModel extends; tests/core/test_json_shapes.py holds every model of `apps.` to it). A model's
shapes are its own and its bases' (every record's `tags` come from TenantModel). The one declaration
is checked by jsonschema when the model is cleaned (the admin's forms, the services' `full_clean`),
when a serializer reads a request (apps/core/api/serializers.py), and published as the field's
OpenAPI schema (apps/core/api/schema.py). What a shape cannot say (a registry's known values,
a header name the sender sets itself) stays a validator or a `clean` of the model.
"""
from typing import ClassVar

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

STRING_LIST = {"type": "array", "maxItems": 100, "items": {"type": "string"}}
OBJECT = {"type": "object", "additionalProperties": True}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
TAGS = {"type": "array", "items": {"type": "string", "maxLength": 64}, "description": "Free-form tags."}


def declared_shapes(model) -> dict[str, dict]:
    """`{field name: shape}` for `model`, its bases' declarations first."""
    shapes: dict[str, dict] = {}
    for cls in reversed(model.__mro__):
        shapes.update(cls.__dict__.get("json_shapes", {}))
    return shapes


def check_declaration(shapes: dict[str, dict]) -> None:
    """A shape that is not a valid JSON Schema fails when its model is defined."""
    for shape in shapes.values():
        Draft202012Validator.check_schema(shape)


def _where(path) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" if i else str(part) for i, part in enumerate(path))


TYPE_WORDS = {"array": "a list", "object": "an object", "string": "a string", "integer": "an integer",
              "number": "a number", "boolean": "true or false"}
# Messages that do not repeat a long value back (jsonschema's own say "[…101 items…] is too long").
SAID = {
    "type": lambda v: "must be " + " or ".join(TYPE_WORDS.get(t, t) for t in ([v] if isinstance(v, str) else v)) + ".",
    "maxItems": lambda v: f"at most {v} items.",
    "maxProperties": lambda v: f"at most {v} entries.",
    "maxLength": lambda v: f"at most {v} characters.",
}


def problems(shape: dict, value) -> list[str]:
    """What in `value` does not fit `shape`, each naming where (`[2]`, `maxAttempts`, `mon[0]`)."""
    validator = Draft202012Validator(shape, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found = sorted(validator.iter_errors(value), key=lambda error: list(map(str, error.absolute_path)))
    said = [SAID[error.validator](error.validator_value) if error.validator in SAID else error.message
            for error in found]
    return [f"{_where(error.absolute_path)}: {text}" if error.absolute_path else text[:1].upper() + text[1:]
            for error, text in zip(found, said)]


class JsonShape:
    """A field validator for one shape (Django's ValidationError: DRF and forms both show it); the
    field's other validators (`then`, e.g. a registry's known values) run on a value of the right shape."""

    def __init__(self, shape: dict, *, then=()):
        self.shape, self.then = shape, tuple(then)

    def __call__(self, value) -> None:
        found = problems(self.shape, value)
        if found:
            raise ValidationError(found, code="invalid")
        for validator in self.then:
            validator(value)


def shape_errors(model, values: dict, *, exclude=()) -> dict[str, list[str]]:
    """`{field: problems}` for the JSON values in `values` that do not fit `model`'s shapes."""
    errors = {}
    for name, shape in declared_shapes(model).items():
        if name in values and name not in exclude:
            found = problems(shape, values[name])
            if found:
                errors[name] = found
    return errors


def check_shapes(model, data: dict) -> None:
    """Refuse `data` (a service's input) whose JSON values do not fit their shapes, before any side
    effect the service has ahead of its `full_clean`."""
    errors = shape_errors(model, data)
    if errors:
        raise ValidationError(errors)


class ShapedModel:
    """A model's mixin: its `json_shapes` are checked when it is defined, and by `clean_fields` before
    the fields' other validators (a value of the wrong shape gets no further checks)."""

    json_shapes: ClassVar[dict[str, dict]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        check_declaration(cls.__dict__.get("json_shapes", {}))

    def clean_fields(self, exclude=None):
        exclude = set(exclude or ())
        errors = shape_errors(type(self), {name: getattr(self, name) for name in declared_shapes(type(self))},
                              exclude=exclude)
        try:
            super().clean_fields(exclude=exclude | set(errors))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
