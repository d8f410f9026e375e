"""Filtersets generated from field types: enums, ids, booleans, dates, numbers."""
import copy

import django_filters as df
from django.db import models
from django_fsm import FSMFieldMixin

DATE_LOOKUPS = ("exact", "gte", "lte", "gt", "lt")
NUMBER_LOOKUPS = ("exact", "gte", "lte")


class PersonFilter(df.CharFilter):
    """A person/record id; `me` means the caller."""

    def filter(self, qs, value):
        if value == "me":
            value = self.parent.request.user.person_id
        return super().filter(qs, value)


class CharInFilter(df.BaseInFilter, df.CharFilter):
    pass


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
            f"{name}__in": df.MultipleChoiceFilter(field_name=name, choices=choices, conjoined=False),
        }
    if isinstance(field, models.BooleanField):
        return {name: df.BooleanFilter(field_name=name)}
    if isinstance(field, (models.DateTimeField, models.DateField)):
        cls = df.IsoDateTimeFilter if isinstance(field, models.DateTimeField) else df.DateFilter
        return {(name if lookup == "exact" else f"{name}__{lookup}"): cls(field_name=name, lookup_expr=lookup)
                for lookup in DATE_LOOKUPS}
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        bounds = {"min_value": -(2**31), "max_value": 2**31 - 1} if isinstance(field, models.IntegerField) else {
            "min_value": -(10**12), "max_value": 10**12}
        return {(name if lookup == "exact" else f"{name}__{lookup}"): df.NumberFilter(field_name=name, lookup_expr=lookup,
                                                                                     **bounds)
                for lookup in NUMBER_LOOKUPS}
    if isinstance(field, models.ForeignKey):  # by the field name and by its `_id` column name
        return {key: flt for alias in {name, field.attname}
                for key, flt in ((alias, PersonFilter(field_name=field.attname)),
                                 (f"{alias}__in", CharInFilter(field_name=field.attname)))}
    if _is_reference(field):
        return {name: PersonFilter(field_name=name), f"{name}__in": CharInFilter(field_name=name)}
    return {}


class LeanFilterSet(df.FilterSet):
    """A generated filterset holds ~100 filters; copy and validate only those the query names
    (django-filter deep-copies every filter and builds a form field for each on every request)."""

    def __init__(self, data=None, *args, **kwargs):
        used = set(data.keys()) if data is not None else set()
        self.base_filters = {name: f for name, f in type(self).base_filters.items() if name in used}
        super().__init__(data, *args, **kwargs)


def build_filterset(model, extra: dict | None = None) -> type[df.FilterSet]:
    declared = {}
    for field in model._meta.concrete_fields:
        declared.update(filters_for_field(field))
    for alias, canonical in getattr(model, "field_aliases", {}).items():
        if canonical in declared:
            declared[alias] = copy.deepcopy(declared[canonical])
    declared.update(extra or {})
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}FilterSet", (LeanFilterSet,), {**declared, "Meta": meta})


def text_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        and not isinstance(f, FSMFieldMixin) and not _is_reference(f)
        and f.name not in ("source", "source_type", "tenant_id", "app_id", "vault_path", "key_hash", "url")
    ]


def ordering_fields(model) -> list[str]:
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, (models.DateTimeField, models.DateField, models.IntegerField, models.FloatField,
                          models.DecimalField)) or f.choices or f.name in ("id", "number", "name", "title")
    ]
