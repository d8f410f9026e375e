"""The event catalogue: every event type the outbox can carry, declared once, with its payload serializer.

A record's lifecycle events (`<app>.<entity>.created|updated|deleted` and one per transition, from the
transition's `event=`) carry the record as `events.record_payload` writes it; they are declared by
`declare_record_events(Model)` from the model itself. Any other event is declared beside the code that
emits it with `declare_event(...)` and a serializer of its own payload. The OpenAPI `webhooks` section
(`webhook_operations`) and docs/events.md (`manage.py event_catalogue`) are generated from here, and the
test suite checks every emitted event against it (tests/conftest.py).
"""
from dataclasses import dataclass

from django.db import models
from rest_framework import serializers

from .fsm import transitions_of
from .json_shapes import declared_shapes


@dataclass(frozen=True)
class EventType:
    name: str
    payload: type[serializers.Serializer]
    description: str
    model: type[models.Model]


_CATALOGUE: dict[str, EventType] = {}


def declare_event(model: type[models.Model], action: str, *, payload: type[serializers.Serializer],
                  description: str, name: str | None = None) -> EventType:
    """Declare `<app>.<entity>.<action>` (or `name`, for an event `events.emit` is given an explicit type);
    a second declaration of one type is an error at start-up."""
    name = name or f"{model.event_prefix()}.{action}"
    if name in _CATALOGUE:
        raise ValueError(f"Event type {name} is declared twice.")
    _CATALOGUE[name] = EventType(name=name, payload=payload, description=" ".join(description.split()), model=model)
    return _CATALOGUE[name]


def is_declared(name: str) -> bool:
    return name in _CATALOGUE


def catalogue() -> dict[str, EventType]:
    return dict(sorted(_CATALOGUE.items()))


def delivered_payload(model: type[models.Model], payload: dict) -> dict:
    """The payload as a webhook receives it: without the model's `event_payload_exclude` fields."""
    excluded = set(getattr(model, "event_payload_exclude", ()))
    excluded |= {alias for alias, canonical in getattr(model, "field_aliases", {}).items() if canonical in excluded}
    return {k: v for k, v in payload.items() if k not in excluded} if isinstance(payload, dict) else payload


class PayloadSerializer(serializers.Serializer):
    """A payload is data the server wrote: every field is present (required, never read-only)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only, field.required = False, True
        return fields


_DJANGO_TO_DRF = [
    (models.BooleanField, serializers.BooleanField, lambda f: {}),
    (models.DateTimeField, serializers.DateTimeField, lambda f: {}),
    (models.DateField, serializers.DateField, lambda f: {}),
    (models.DecimalField, serializers.DecimalField,
     lambda f: {"max_digits": f.max_digits, "decimal_places": f.decimal_places, "coerce_to_string": True}),
    (models.FloatField, serializers.FloatField, lambda f: {}),
    (models.IntegerField, serializers.IntegerField, lambda f: {}),
    (models.JSONField, serializers.JSONField, lambda f: {}),
]


def _payload_field(field: models.Field, help_text: str | None = None) -> serializers.Field:
    """A DRF field for a column's stored value (the field is deep-copied from its constructor arguments,
    so everything is passed there)."""
    kwargs = {"allow_null": field.null}
    if help_text or field.help_text:
        kwargs["help_text"] = help_text or str(field.help_text)
    if field.choices:
        return serializers.ChoiceField(choices=field.choices, allow_blank=field.blank, **kwargs)
    shape = declared_shapes(field.model).get(field.name) if isinstance(field, models.JSONField) else None
    if shape is not None:
        from .api.serializers import ShapedJSONField

        return ShapedJSONField(shape=shape, **kwargs)
    for kind, drf_field, extra in _DJANGO_TO_DRF:
        if isinstance(field, kind):
            return drf_field(**extra(field), **kwargs)
    return serializers.CharField(allow_blank=True, trim_whitespace=False, **kwargs)


_RECORD_PAYLOADS: dict[type[models.Model], type[PayloadSerializer]] = {}


def record_payload_serializer(model: type[models.Model]) -> type[PayloadSerializer]:
    """The record as `events.record_payload` writes it: each column by its attribute name (`application_id`),
    alias names too, less `api_hidden_fields` and `event_payload_exclude`."""
    hidden = set(getattr(model, "api_hidden_fields", ())) | set(getattr(model, "event_payload_exclude", ()))
    attrs = {}
    for field in model._meta.concrete_fields:
        if field.name not in hidden:
            attrs[field.attname] = _payload_field(field)
    for alias, canonical in getattr(model, "field_aliases", {}).items():
        source = next((f for f in model._meta.concrete_fields if f.attname == canonical or f.name == canonical), None)
        if source is not None and source.name not in hidden:
            attrs[alias] = _payload_field(source, help_text=f"Deprecated alias of `{canonical}` (the same value).")
    attrs["__doc__"] = f"A {model._meta.verbose_name} as stored when the event was written."
    if model not in _RECORD_PAYLOADS:
        _RECORD_PAYLOADS[model] = type(f"{model.__name__}EventPayloadSerializer", (PayloadSerializer,), attrs)
    return _RECORD_PAYLOADS[model]


def record_payload_with(model: type[models.Model], name: str, **extra: serializers.Field) -> type[PayloadSerializer]:
    """The record's payload plus fields an event adds (`days_left`, `slot_at` …)."""
    base = record_payload_serializer(model)
    return type(f"{model.__name__}{name}PayloadSerializer", (base,), {
        **extra, "__doc__": f"A {model._meta.verbose_name} as stored, with what this event adds."})


def declare_record_events(model: type[models.Model]) -> type[PayloadSerializer]:
    """created, updated, deleted and every transition's event, each carrying the record."""
    payload = record_payload_serializer(model)
    one = str(model._meta.verbose_name)
    one = ("An " if one[:1].lower() in "aeiou" else "A ") + one
    declare_event(model, "created", payload=payload, description=f"{one} was created.")
    declare_event(model, "updated", payload=payload, description=f"{one} was changed (the record after the change).")
    declare_event(model, "deleted", payload=payload, description=f"{one} was deleted (soft delete).")
    for info in transitions_of(model).values():
        if f"{model.event_prefix()}.{info.event}" not in _CATALOGUE:
            declare_event(model, info.event, payload=payload,
                          description=f"{one} moved to `{info.target}` by `{info.name}`.")
    return payload


def declare_every_record_event() -> None:
    """Core's AppConfig.ready: the lifecycle events of every record model (before the domains declare theirs)."""
    from django.apps import apps

    from .models import TenantModel

    for model in apps.get_models():
        if issubclass(model, TenantModel) and model not in _RECORD_PAYLOADS:
            declare_record_events(model)


def validation_errors(event) -> list[str]:
    """Why an outbox event does not match the catalogue (empty when it does)."""
    declared = _CATALOGUE.get(event.type)
    if declared is None:
        return [f"{event.type}: not declared in the event catalogue (apps/core/event_catalogue.py)"]
    payload = delivered_payload(declared.model, event.payload)
    if not isinstance(payload, dict):
        return [f"{event.type}: the payload is not an object"]
    serializer = declared.payload(data=payload)
    errors = [] if serializer.is_valid() else [f"{event.type}: {serializer.errors}"]
    extra = set(payload) - set(serializer.fields)
    if extra:
        errors.append(f"{event.type}: undeclared payload fields {sorted(extra)}")
    return errors
