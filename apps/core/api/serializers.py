"""Serializer base: server-stamped fields read-only, alias pairs, status only via transitions."""
import copy
from datetime import UTC, datetime

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
# Field classes that keep no per-serializer state when reading, so one instance serves every row.
SHAREABLE = {
    serializers.DateTimeField, serializers.DateField, serializers.DecimalField, serializers.FloatField,
    serializers.UUIDField, serializers.ListField, serializers.DictField, serializers.JSONField,
    PrimaryKeyRelatedField, serializers.CharField, serializers.ChoiceField, serializers.BooleanField,
    serializers.IntegerField, serializers.EmailField, serializers.URLField, serializers.SlugField,
    *STRICT_STRING_FIELDS.values(),
}

# Field classes with no child field and no nested serializer: a shallow copy is a full copy.
SHALLOW_COPY = (SHAREABLE - {serializers.ListField, serializers.DictField}) | {serializers.ReadOnlyField}


def _shallow_copy(field):
    """copy.copy without the __reduce_ex__ round trip (2.7 -> 0.7 µs a field, ~40 fields a write)."""
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

    def get_fields(self):
        # Building ModelSerializer fields from model metadata costs ~2 ms per request: build them
        # once per class and copy (the adjustments below are applied to the copy on every call).
        # A deep copy re-instantiates a field from its constructor arguments; plain fields (no
        # child field, no nested serializer, no state kept while validating) are copied shallowly.
        cls = type(self)
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
        if cls not in self._validators_cache:
            self._validators_cache[cls] = super().get_validators()
        return list(self._validators_cache[cls])

    # -- reads ------------------------------------------------------------------------
    # DRF's generic to_representation costs ~2 µs per field and row; a list page has ~3,000
    # of them. The plan below reads plain columns directly (same output: a test compares it
    # with DRF's own rendering for every resource) and leaves the rest to the fields.
    def _read_plan(self) -> list[tuple]:
        plan = []
        for field in self._readable_fields:
            simple = len(field.source_attrs) == 1 and field.source != "*"
            if simple and type(field) in FAST_TYPES:
                plan.append((field.field_name, field.source_attrs[0], field, FAST_TYPES[type(field)]))
            elif simple and type(field) is serializers.JSONField and not field.binary:
                plan.append((field.field_name, field.source_attrs[0], field, object))
            elif (simple and type(field) is serializers.DateTimeField and not hasattr(field, "timezone")
                  and getattr(field, "format", api_settings.DATETIME_FORMAT).lower() == ISO_8601):
                plan.append((field.field_name, field.source_attrs[0], field, datetime))
            elif type(field) in SHAREABLE:
                plan.append((field.field_name, None, field, None))
            else:  # e.g. SerializerMethodField: uses this serializer instance, so its own copy
                plan.append((field.field_name, None, None, None))
        return plan

    _renderers: dict = {}  # the read plan compiled, once per serializer class

    def to_representation(self, instance):
        in_utc = self.__dict__.get("_in_utc")
        if in_utc is None:  # once per serializer: a list's child renders every row of the page
            in_utc = self._in_utc = timezone.get_current_timezone_name() == "UTC"
        render = self._renderers.get(type(self))
        if render is None:
            render = self._renderers[type(self)] = _compile_read_plan(self._read_plan(), self.Meta.model)
        return render(self, instance, in_utc)

    def _render_field(self, ret: dict, name: str, field, instance) -> None:
        """DRF's own rendering of one field (relations, method fields …)."""
        field = field or self.fields[name]
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


def _compile_read_plan(plan: list[tuple], model):
    """The read plan as one straight-line function (a loop over ~45 fields × 50 rows costs more
    than the rendering itself). Columns are read from the instance's __dict__, where from_db put
    them; anything else (properties, relations) through getattr / the field, as DRF would."""
    columns = {f.attname for f in model._meta.concrete_fields}
    env = {"_MISSING": _MISSING, "datetime": datetime, "UTC": UTC}
    lines = ["def render(self, instance, in_utc):", "    d = instance.__dict__", "    ret = {}"]
    for i, (name, attr, field, kind) in enumerate(plan):
        env[f"f{i}"], env[f"k{i}"] = field, kind
        if attr is None:
            lines.append(f"    self._render_field(ret, {name!r}, f{i}, instance)")
            continue
        if attr in columns:
            lines += [f"    v = d.get({attr!r}, _MISSING)",
                      f"    if v is _MISSING: v = getattr(instance, {attr!r})"]
        else:
            lines.append(f"    v = getattr(instance, {attr!r})")
        if kind is datetime:  # what DateTimeField renders for an aware UTC value
            lines += ["    if v is None:", f"        ret[{name!r}] = None",
                      "    elif in_utc and v.__class__ is datetime and v.tzinfo is UTC:",
                      "        t = v.isoformat()",
                      f"        ret[{name!r}] = t[:-6] + 'Z' if t.endswith('+00:00') else t",
                      "    else:", f"        ret[{name!r}] = f{i}.to_representation(v)"]
        elif kind is object:
            lines.append(f"    ret[{name!r}] = v")
        else:
            lines.append(f"    ret[{name!r}] = v if v is None or v.__class__ is k{i} else f{i}.to_representation(v)")
    lines.append("    return ret")
    exec(compile("\n".join(lines), f"<read plan of {model.__name__}>", "exec"), env)  # noqa: S102 - our own code
    return env["render"]
