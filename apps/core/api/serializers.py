"""Serializer base: server-stamped fields read-only, alias pairs, status only via transitions."""
import copy
from datetime import UTC, datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import IntegerField as IntegerModelField
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField
from rest_framework.utils.serializer_helpers import BindingDict

from ..fsm import state_field

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

SERVER_STAMPED = (
    "id", "tenant_id", "app_id", "created_at", "updated_at", "created_by", "updated_by",
    "source_type", "is_deleted", "deleted_at", "deleted_by", "schema_version",
)
WRITE_ACTIONS = ("update", "partial_update")
# Field classes whose output for a value of exactly this Python type is the value itself.
FAST_TYPES = {
    serializers.CharField: str, serializers.EmailField: str, serializers.URLField: str, serializers.SlugField: str,
    serializers.ChoiceField: str, serializers.BooleanField: bool, serializers.IntegerField: int,
}
FAST_TYPES.update({strict: FAST_TYPES[plain] for plain, strict in STRICT_STRING_FIELDS.items()})
# Field classes with no child field, no nested serializer and no state kept while validating:
# a shallow copy is a full copy.
SHALLOW_COPY = {
    serializers.DateTimeField, serializers.DateField, serializers.DecimalField, serializers.FloatField,
    serializers.UUIDField, serializers.JSONField, PrimaryKeyRelatedField, serializers.CharField,
    serializers.ChoiceField, serializers.BooleanField, serializers.IntegerField, serializers.EmailField,
    serializers.URLField, serializers.SlugField, serializers.ReadOnlyField, *STRICT_STRING_FIELDS.values(),
}
# ModelSerializer's hooks for building fields. A subclass overriding one may build them from the
# request or context, so its fields are built per instance, as DRF does, and not kept per class.
FIELD_BUILDING_HOOKS = (
    "get_fields", "get_field_names", "get_default_field_names", "build_field", "build_standard_field",
    "build_relational_field", "build_nested_field", "build_property_field", "build_url_field",
    "build_unknown_field", "get_extra_kwargs", "include_extra_kwargs", "get_uniqueness_extra_kwargs",
    "get_unique_together_validators", "get_unique_for_date_validators",
)


def _foreign_key_attname(model, name: str) -> str | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property or a method
        return None
    return field.attname if field.many_to_one and field.concrete else None


def _shallow_copy(field):
    """copy.copy without its __reduce_ex__ round trip."""
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


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
        read_only_fields = SERVER_STAMPED

    _field_cache: dict = {}
    _fields_per_class = _reads_per_class = False  # set for each subclass in __init_subclass__

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Fields built from class data alone (Meta, declared fields) are built once per class and
        # copied; a subclass that overrides how fields are built gets DRF's build per instance.
        cls._fields_per_class = all(getattr(cls, hook) is getattr(RecordSerializer, hook, None)
                                    for hook in FIELD_BUILDING_HOOKS if hook != "get_fields")
        # Which fields are read, and from where, then depends on the class alone (see to_representation).
        cls._reads_per_class = cls._fields_per_class and all(
            getattr(cls, name) is getattr(RecordSerializer, name)
            for name in ("get_fields", "fields", "_readable_fields", "_read_plan"))

    def get_fields(self):
        # Building ModelSerializer fields from model metadata is most of a small request's cost:
        # build them once per class and copy (the adjustments below are applied to the copy on
        # every call). A deep copy re-instantiates a field from its constructor arguments; plain
        # fields are copied shallowly.
        cls = type(self)
        if not getattr(cls, "_fields_per_class", False):
            fields = self._build_fields()
        else:
            if cls not in self._field_cache:
                self._field_cache[cls] = self._build_fields()
            fields = {name: _shallow_copy(field) if type(field) in SHALLOW_COPY else copy.deepcopy(field)
                      for name, field in self._field_cache[cls].items()}
        model = self.Meta.model
        for name in SERVER_STAMPED:
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

    def _build_fields(self):
        fields = super().get_fields()
        if getattr(self.Meta.model, "optimistic_version", False) and "version" in fields:
            fields["version"] = serializers.IntegerField(
                required=False, min_value=1,
                help_text="Optimistic concurrency counter; send the version you read, a stale one is refused (409).",
            )
        for name, field in fields.items():
            if type(field) in SHALLOW_COPY:
                field.validators  # built now, so shallow copies share the (stateless) list
                field.bind(name, None)  # label, source and source_attrs once; `fields` sets the parent
        return fields

    @cached_property
    def fields(self):
        # DRF binds every field on every instance (a label, a split source); the shallow copies of
        # pre-bound fields only need their parent.
        bound = BindingDict(self)
        for name, field in self.get_fields().items():
            if field.parent is None and field.field_name == name:
                field.parent = self
                bound.fields[name] = field
            else:
                bound[name] = field
        return bound

    _validators_cache: dict = {}

    def get_validators(self):
        # ModelSerializer derives these from the model's unique constraints on every instance;
        # they are stateless (the serializer is passed in when they run), so once per class.
        cls = type(self)
        if not getattr(cls, "_fields_per_class", False):
            return super().get_validators()
        if cls not in self._validators_cache:
            self._validators_cache[cls] = super().get_validators()
        return list(self._validators_cache[cls])

    # -- reads: DRF's to_representation, with plain columns read directly (same output: a test
    # compares it with DRF's own rendering for every resource). Fields chosen per request or
    # context are honoured (such a serializer builds its plan from its own fields, see _plan).
    def _read_plan(self) -> list[tuple]:
        columns = {f.attname for f in self.Meta.model._meta.concrete_fields}
        plan = []
        for field in self._readable_fields:
            attr = field.source_attrs[0] if len(field.source_attrs) == 1 and field.source != "*" else None
            kind = None
            if attr is not None and type(field) in FAST_TYPES:
                kind = FAST_TYPES[type(field)]
            elif attr is not None and type(field) is serializers.JSONField and not field.binary:
                kind = object
            elif attr is not None and type(field) is PrimaryKeyRelatedField and field.pk_field is None \
                    and (column := _foreign_key_attname(self.Meta.model, attr)):
                attr, kind = column, object  # DRF renders the bare pk
            elif (attr is not None and type(field) is serializers.DateTimeField and not hasattr(field, "timezone")
                  and getattr(field, "format", api_settings.DATETIME_FORMAT).lower() == ISO_8601):
                kind = datetime
            if kind is None:  # relations, method fields, anything else: the field renders itself
                plan.append((field.field_name, None, False, field, None))
            else:
                plan.append((field.field_name, attr, attr in columns, field, kind))
        return plan

    _class_plans: dict = {}

    def _plan(self) -> tuple:
        """The read plan for this instance. A class whose fields come from class data alone reads
        the same fields from the same attributes for every instance, so the plan's data (names,
        attributes, kinds; no field objects, nothing of a request) is kept per class — unless this
        instance's fields were touched (popped in `__init__`, say): then its own fields decide."""
        cls = type(self)
        if cls._reads_per_class and "fields" not in self.__dict__:
            plan = self._class_plans.get(cls)
            if plan is None:
                plan = self._class_plans[cls] = tuple(
                    (name, attr, is_column, None, kind) for name, attr, is_column, _, kind in cls()._read_plan())
            return plan
        plan = self.__dict__.get("_own_plan")
        if plan is None:
            plan = self._own_plan = tuple(self._read_plan())
        return plan

    def to_representation(self, instance):
        plan = self._plan()
        in_utc = self.__dict__.get("_in_utc")
        if in_utc is None:
            in_utc = self._in_utc = timezone.get_current_timezone_name() == "UTC"
        row, ret = instance.__dict__, {}
        for name, attr, is_column, field, kind in plan:
            if attr is None:
                self._render_field(ret, name, field or self.fields[name], instance)
                continue
            value = row.get(attr, _MISSING) if is_column else _MISSING
            if value is _MISSING:
                value = getattr(instance, attr)
            if value is None or kind is object:
                ret[name] = value
            elif kind is datetime:  # what DateTimeField renders for an aware UTC value
                if in_utc and value.__class__ is datetime and value.tzinfo is UTC:
                    text = value.isoformat()
                    ret[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                else:
                    ret[name] = (field or self.fields[name]).to_representation(value)
            else:
                ret[name] = value if value.__class__ is kind else (field or self.fields[name]).to_representation(value)
        return ret

    def _render_field(self, ret: dict, name: str, field, instance) -> None:
        """DRF's own rendering of one field (relations, method fields …)."""
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        ret[name] = None if check is None else field.to_representation(attribute)

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


def string_list(value, *, field: str, allowed=None, max_items: int = 100) -> list[str]:
    """Validate a JSON list of strings (optionally from a fixed set); call from validate_<field>."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > max_items:
        raise serializers.ValidationError(f"{field}: must be a list of at most {max_items} strings.")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise serializers.ValidationError(f"{field}: unknown values {unknown}; allowed: {sorted(allowed)}.")
    return value


_MISSING = object()
