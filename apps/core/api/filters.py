"""Filtersets generated from field types: enums, ids, booleans, dates, numbers; strict query
parameters (an unknown, repeated, empty or mistyped one is a 400 naming it)."""
import copy
from datetime import UTC
from functools import lru_cache

import django_filters as df
from django import forms
from django.db import models
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from django_fsm import FSMFieldMixin
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.settings import api_settings

DATE_LOOKUPS = ("exact", "gte", "lte", "gt", "lt")
NUMBER_LOOKUPS = ("exact", "gte", "lte")
IN_HELP = "One of several values: repeat the parameter (`{name}=a&{name}=b`) or separate them with commas (`{name}=a,b`)."
# Query parameters every list takes besides its filters, search and ordering.
LIST_PARAMETERS = {"cursor", "page_size", api_settings.URL_FORMAT_OVERRIDE}


class PersonFilter(df.CharFilter):
    """A person/record id; `me` means the caller."""

    def filter(self, qs, value):
        if value == "me":
            value = self.parent.request.user.person_id
        return super().filter(qs, value)


class CharInFilter(df.BaseInFilter, df.CharFilter):
    """Any of several ids; `me` among them means the caller."""

    def filter(self, qs, value):
        if value:
            value = [self.parent.request.user.person_id if v == "me" else v for v in value]
        return super().filter(qs, value)


class ChoiceInFilter(df.MultipleChoiceFilter):
    pass


class StrictBooleanField(forms.Field):
    """`true`/`false` (or `1`/`0`), nothing else (django-filter's own ignores `banana`)."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Must be true or false.", code="invalid") from None


class StrictBooleanFilter(df.BooleanFilter):
    field_class = StrictBooleanField


class BoundedIsoDateTimeField(df.fields.IsoDateTimeField):
    """An ISO 8601 instant that exists in UTC (`9999-12-31T23:59:59-23:00` does not: comparing it
    with a column would overflow)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            try:
                value.astimezone(UTC)
            except (OverflowError, ValueError):
                raise forms.ValidationError("Out of the supported range of dates.", code="invalid") from None
        return value


class IsoDateTimeFilter(df.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class IntegerFilter(df.NumberFilter):
    """A whole number (django-filter's NumberFilter takes `0.5` for an integer column)."""

    field_class = forms.IntegerField


def _is_reference(field) -> bool:
    return field.name == "id" or field.name.endswith("_id") or field.name in (
        "created_by", "updated_by", "deleted_by", "sla_policy", "fulfilled_by",
    )


def filters_for_field(field) -> dict:
    name = field.name
    if isinstance(field, models.JSONField):
        return {}
    if field.choices or isinstance(field, FSMFieldMixin):
        choices = field.choices or []
        return {
            name: df.ChoiceFilter(field_name=name, choices=choices),
            f"{name}__in": ChoiceInFilter(field_name=name, choices=choices, conjoined=False,
                                          help_text=IN_HELP.format(name=f"{name}__in")),
        }
    if isinstance(field, models.BooleanField):
        return {name: StrictBooleanFilter(field_name=name)}
    if isinstance(field, (models.DateTimeField, models.DateField)):
        cls = IsoDateTimeFilter if isinstance(field, models.DateTimeField) else df.DateFilter
        return {(name if lookup == "exact" else f"{name}__{lookup}"): cls(field_name=name, lookup_expr=lookup)
                for lookup in DATE_LOOKUPS}
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        bounds = {"min_value": -(2**31), "max_value": 2**31 - 1} if isinstance(field, models.IntegerField) else {
            "min_value": -(10**12), "max_value": 10**12}
        number = IntegerFilter if isinstance(field, models.IntegerField) else df.NumberFilter
        return {(name if lookup == "exact" else f"{name}__{lookup}"): number(field_name=name, lookup_expr=lookup,
                                                                             **bounds)
                for lookup in NUMBER_LOOKUPS}
    if isinstance(field, models.ForeignKey):  # by the field name and by its `_id` column name
        return {key: flt for alias in {name, field.attname}
                for key, flt in ((alias, PersonFilter(field_name=field.attname)),
                                 (f"{alias}__in", _id_in_filter(f"{alias}__in", field.attname)))}
    if _is_reference(field):
        return {name: PersonFilter(field_name=name), f"{name}__in": _id_in_filter(f"{name}__in", name)}
    return {}


def _id_in_filter(query_name: str, field_name: str) -> CharInFilter:
    return CharInFilter(field_name=field_name, help_text=IN_HELP.format(name=query_name) + " `me` is the caller.")


def _multi_values_joined(data, filters: dict):
    """`x__in=a&x__in=b` and `x__in=a,b` mean the same for every `__in` filter: repeated values
    become the list a choice filter reads, or the comma-separated text an id filter splits."""
    in_filters = {name: f for name, f in filters.items()
                  if name in data and isinstance(f, (ChoiceInFilter, CharInFilter))}
    if not in_filters:
        return data
    if isinstance(data, QueryDict):
        data = data.copy()
    else:
        given, data = data, QueryDict(mutable=True)
        for key, value in given.items():
            data.setlist(key, value if isinstance(value, list) else [value])
    for name, flt in in_filters.items():
        values = [part.strip() for given in data.getlist(name) for part in given.split(",")]
        if any(not value for value in values):
            raise ValidationError({name: ["Empty value in the list."]})
        data.setlist(name, values if isinstance(flt, ChoiceInFilter) else [",".join(values)])
    return data


@lru_cache(maxsize=1024)
def narrowed(filterset_class: type[df.FilterSet], names: frozenset) -> type[df.FilterSet]:
    """The filterset with only the filters a query names. django-filter copies every filter of a
    filterset and builds and cleans a form field for each on every request; a generated one has
    about a hundred, and a filter the query does not name filters nothing."""
    cls = type(filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__})
    cls.base_filters = {name: f for name, f in filterset_class.base_filters.items() if name in names}
    return cls


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, strict about the query: a parameter no filter, search, ordering or page
    takes, one given twice (other than an `__in` list) or given empty is a 400 naming it
    (a typo must not silently return every row)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        filters = filterset_class.base_filters if filterset_class is not None else {}
        known = set(filters) | LIST_PARAMETERS | {api_settings.SEARCH_PARAM, api_settings.ORDERING_PARAM}
        errors = {}
        for name, values in request.query_params.lists():
            if name not in known:
                errors[name] = ["Unknown query parameter."]
            elif any(value == "" for value in values):
                errors[name] = ["Must not be empty."]
            elif len(values) > 1 and not isinstance(filters.get(name), (ChoiceInFilter, CharInFilter)):
                errors[name] = ["Given more than once; send it once."]
        if errors:
            raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        named = frozenset(request.query_params.keys() & filterset_class.base_filters.keys())
        return narrowed(filterset_class, named)(**self.get_filterset_kwargs(request, queryset, view))

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        kwargs["data"] = _multi_values_joined(kwargs["data"], filterset_class.base_filters)
        return kwargs


class StrictOrderingFilter(OrderingFilter):
    """`ordering=` with a field the list does not order by is a 400 (DRF drops it silently)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        fields = [param.strip() for param in params.split(",")]
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        invalid = [term for term in fields if term.removeprefix("-") not in valid]
        if invalid:
            raise ValidationError({self.ordering_param: [
                f"Cannot order by {', '.join(invalid)}; allowed: {', '.join(sorted(valid))} (prefix `-` to reverse)."]})
        return fields


def build_filterset(model, extra: dict | None = None) -> type[df.FilterSet]:
    declared = {}
    for field in model._meta.concrete_fields:
        if field.name not in getattr(model, "api_hidden_fields", ()):
            declared.update(filters_for_field(field))
    for alias, canonical in getattr(model, "field_aliases", {}).items():
        if canonical in declared:
            declared[alias] = copy.deepcopy(declared[canonical])
    declared.update(extra or {})
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}FilterSet", (df.FilterSet,), {**declared, "Meta": meta})


def text_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        and not isinstance(f, FSMFieldMixin) and not _is_reference(f)
        and f.name not in ("source", "source_type", "tenant_id", "app_id", *getattr(model, "unsearchable_fields", ()))
    ]


def ordering_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (models.DateTimeField, models.DateField, models.IntegerField, models.FloatField,
                          models.DecimalField)) or f.choices or f.name in ("id", "number", "name", "title")
    ]
