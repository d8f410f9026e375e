"""Serializer base: server-stamped fields read-only, alias pairs, status only via transitions."""
import copy
from functools import cached_property
from datetime import UTC

from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.dateparse import parse_datetime
from django.db.models import IntegerField as IntegerModelField, JSONField as JSONModelField
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from ..fsm import state_field
from ..json_shapes import JsonShape, declared_shapes
from ..models import STAMPED_FIELDS

class StrictStringMixin:
    """A JSON string and nothing else: DRF's string fields turn `5` or `1.5` into "5"/"1.5"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


STRICT_STRING_FIELDS = {
    serializers.CharField: StrictCharField, serializers.EmailField: StrictEmailField,
    serializers.URLField: StrictURLField, serializers.SlugField: StrictSlugField,
}

WRITE_ACTIONS = ("update", "partial_update")


class PortableIntegerRanges:
    """Integer bounds from the portable column ranges, not the connected backend's.

    Django adds range validators from the database in use (SQLite: 64-bit, PostgreSQL: 32-bit),
    so the accepted input and the published schema would depend on the deployment.
    """

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, IntegerModelField):
            low, high = BaseDatabaseOperations.integer_field_ranges.get(model_field.get_internal_type(), (None, None))
            if high is not None and kwargs.get("max_value", high) > high:
                kwargs["max_value"] = high
            if low is not None and kwargs.get("min_value", low) < low:
                kwargs["min_value"] = low
        return field_class, kwargs


class ShapedJSONField(serializers.JSONField):
    """A model's JSON field with the shape the model declares (`json_shapes`): checked on input and
    published as the field's schema (apps/core/api/schema.py)."""

    def __init__(self, *, shape: dict, **kwargs):
        self.shape = shape
        super().__init__(**kwargs)


class DeclaredJsonShapes:
    """Each JSON model field becomes a ShapedJSONField holding its declared shape (its other
    validators run after the shape's)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, JSONModelField):
            shape = declared_shapes(model_field.model).get(model_field.name)
            if shape is not None:
                field_class = ShapedJSONField
                kwargs["shape"] = shape
                kwargs["validators"] = [JsonShape(shape, then=kwargs.get("validators", ()))]
        return field_class, kwargs


class UtcDateTimes:
    """Date-times are written in UTC whatever time zone a request has activated: DRF's documented
    `default_timezone`, which also spares a lookup of the current time zone for every value written."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.DateTimeField):
            kwargs["default_timezone"] = UTC
        return field_class, kwargs


class RecordSerializer(UtcDateTimes, DeclaredJsonShapes, PortableIntegerRanges, serializers.ModelSerializer):
    """ModelSerializer for TenantModel subclasses; declare `Meta.model` and that's it."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{model_field: STRICT_STRING_FIELDS.get(field, field)
           for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()},
    }

    class Meta:
        fields = "__all__"
        read_only_fields = STAMPED_FIELDS

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        if getattr(model, "optimistic_version", False) and "version" in fields:
            fields["version"] = serializers.IntegerField(
                required=False, min_value=1,
                help_text="Optimistic concurrency counter; send the version you read, a stale one is refused (409).",
            )
        for name in STAMPED_FIELDS:
            if name in fields:
                fields[name].read_only = True
        status = state_field(model)
        if status is not None and status.name in fields:
            view = self.context.get("view")
            fields[status.name].read_only = getattr(view, "action", None) not in WRITE_ACTIONS
            fields[status.name].required = False
        for alias, canonical in model.field_aliases.items():
            if canonical in fields:
                field = copy.deepcopy(fields[canonical])
                field.source = canonical
                field.required = False
                field.read_only = fields[canonical].read_only
                fields[alias] = field
        return fields

    @cached_property
    def _readable_list(self) -> list:
        return list(self._readable_fields)

    def to_representation(self, instance):
        """DRF's own loop (`Serializer.to_representation`) over the readable fields, listed once per
        serializer: a list page's one child serializer writes every row with the same fields."""
        ret = {}
        for field in self._readable_list:
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[field.field_name] = None if check_for_none is None else field.to_representation(attribute)
        return ret

    def to_internal_value(self, data):
        if isinstance(data, dict):
            check_stamped_types(self.fields, data)
        if isinstance(data, dict) and self.Meta.model.field_aliases:
            data = dict(data)
            for alias, canonical in self.Meta.model.field_aliases.items():
                if alias in data and canonical in data and data[alias] != data[canonical]:
                    raise serializers.ValidationError({alias: [f"Disagrees with {canonical}; they are one value."]})
                if alias in data and canonical not in data:
                    data[canonical] = data.pop(alias)
                else:
                    data.pop(alias, None)
        value = super().to_internal_value(data)
        check_directory(self, self.Meta.model, value, self.instance)
        return value


class TransitionBody(serializers.Serializer):
    comment = StrictCharField(required=False, allow_blank=True, max_length=4000)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        view = self.context.get("view")
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is not None:  # e.g. a step's `delegated_to_id`: a person field of the record
            check_directory(self, model, value, None)
        return value


class ReasonBody(TransitionBody):
    """A refusal (reject, cancel, block) says why: `comment` is required and kept on the record."""

    comment = StrictCharField(required=True, allow_blank=False, max_length=4000,
                              help_text="Why: the requester and the record's history read it.")


def _json_type_of(field) -> tuple[str, type | tuple[type, ...]]:
    if isinstance(field, serializers.BooleanField):
        return "a boolean", bool
    if isinstance(field, serializers.IntegerField):
        return "an integer", int
    return "a string", str


def _is_datetime(value: str) -> bool:
    try:
        return parse_datetime(value) is not None
    except ValueError:
        return False


def check_stamped_types(fields, data: dict) -> None:
    """Server-stamped fields (`id`, `created_at`, `schema_version` …) are ignored in a request body, so
    a record read can be sent back; one of the wrong JSON type is refused, as the request schema types
    it (a client sending `{"schema_version": {}}` has a bug it should hear about)."""
    errors = {}
    for name in STAMPED_FIELDS:
        if name not in data or name not in fields:
            continue
        value, field = data[name], fields[name]
        if value is None and field.allow_null:
            continue
        what, kind = _json_type_of(field)
        wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if not wrong and isinstance(field, serializers.DateTimeField):
            what, wrong = "a date-time", not _is_datetime(value)
        if wrong:
            errors[name] = [f"Set by the server (ignored when sent), but when sent it must be {what}"
                            f"{' or null' if field.allow_null else ''}."]
    if errors:
        raise serializers.ValidationError(errors)


def check_directory(serializer, model, values: dict, instance) -> None:
    """Strict directory mode: person/group ids the client writes must name the tenant's directory
    (apps/directory/services.py, reached through apps/core/directory_link.py; each model declares its fields)."""
    request = serializer.context.get("request")
    tenant_id = getattr(getattr(request, "user", None), "tenant_id", None)
    if tenant_id is None or not isinstance(values, dict):
        return
    from django.core.exceptions import ValidationError as DjangoValidationError

    from ..directory_link import directory

    try:
        directory().check_references(tenant_id=tenant_id, model=model, values=values, instance=instance)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc


class ProblemFieldError(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ProblemFieldError(many=True, required=False)
    allowed_transitions = serializers.ListField(child=serializers.CharField(), required=False)
    request_id = serializers.CharField(required=False, help_text="This request's id, as in the X-Request-ID header.")
