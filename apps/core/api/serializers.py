"""Serializer base: server-stamped fields read-only, alias pairs, status only via transitions."""
import copy

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import IntegerField as IntegerModelField
from rest_framework import serializers

from ..fsm import state_field
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


class RecordSerializer(PortableIntegerRanges, serializers.ModelSerializer):
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

    def to_internal_value(self, data):
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

    def validate_tags(self, value):
        if not isinstance(value, list) or not all(isinstance(t, str) and len(t) <= 64 for t in value):
            raise serializers.ValidationError("Must be a list of strings (each at most 64 characters).")
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


def check_directory(serializer, model, values: dict, instance) -> None:
    """Strict directory mode: person/group ids the client writes must name the tenant's directory
    (apps/core/directory_services.py; the fields per model are declared in apps/core/directory.py)."""
    request = serializer.context.get("request")
    tenant_id = getattr(getattr(request, "user", None), "tenant_id", None)
    if tenant_id is None or not isinstance(values, dict):
        return
    from django.core.exceptions import ValidationError as DjangoValidationError

    from ..directory_services import check_references

    try:
        check_references(tenant_id=tenant_id, model=model, values=values, instance=instance)
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


def string_list(value, *, field: str, allowed=None, max_items: int = 100) -> list[str]:
    """Validate a JSON list of strings (optionally from a fixed set); call from validate_<field>."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > max_items:
        raise serializers.ValidationError(f"{field}: must be a list of at most {max_items} strings.")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise serializers.ValidationError(f"{field}: unknown values {unknown}; allowed: {sorted(allowed)}.")
    return value

