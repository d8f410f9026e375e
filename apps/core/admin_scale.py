"""Changelists that cost the same at a million rows as at ten thousand: no COUNT(*) (the infinite
paginator), no DISTINCT over the table (list filters offer the values of the latest rows; the date
hierarchy offers the years, months or days between the first and the last row's date)."""
from datetime import date, datetime
from functools import cache

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.filters import AllValuesFieldListFilter
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from unfold.paginator import InfinitePage, InfinitePaginator


class RecentValuesFilter(AllValuesFieldListFilter):
    """A free-text field's filter: the values among the latest `sample` rows and the chosen one.
    Django's own (AllValuesFieldListFilter) reads every row of the table for its DISTINCT."""

    sample = 2000

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        recent = model_admin.get_queryset(request).order_by("-pk").values_list(field.name, flat=True)[:self.sample]
        values = set(recent) | set(_typed(field, self.lookup_val or []))
        self.lookup_choices = sorted(v for v in values if v is not None) + ([None] if None in values else [])


def _typed(field, raw: list) -> list:
    """The chosen values as the field's Python values (a bad one is left out: Django's filter reports it)."""
    out = []
    for value in raw:
        try:
            typed = field.to_python(value)
        except ValidationError:
            continue
        if typed not in (None, ""):
            out.append(typed)
    return out


class TenantRelatedFilter(RelatedOnlyFieldListFilter):
    """The related rows the user may pick in the admin's forms (`related_choices`: their tenant's, or
    the one a superuser narrowed the list to, `tenant_id__exact`), never the whole related table; of
    those, the ones the list's latest `sample` rows name, and the chosen one (as RecentValuesFilter: a
    tenant's every related row would be a million links on one page)."""

    sample = RecentValuesFilter.sample

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        choices = model_admin.related_choices(request, related) if hasattr(model_admin, "related_choices") else None
        if choices is None:  # not a tenant model (or an admin without choices): the rows the list names, by EXISTS
            listed = model_admin.get_queryset(request).filter(**{self.field_path: OuterRef("pk")})
            choices = related._default_manager.filter(Exists(listed))
        elif tenant := request.GET.get("tenant_id__exact"):
            choices = choices.filter(tenant_id=tenant)
        recent = model_admin.get_queryset(request).order_by("-pk").values(self.field_path)[:self.sample]
        named = Q(pk__in=recent) | Q(pk__in=[v for v in (self.lookup_val or []) if v])
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=Q(pk__in=choices.values("pk")) & named,
                                 ordering=ordering)


def scale_safe_filters(model, filters) -> list:
    """`filters` with each plain free-text field (Django would pick AllValuesFieldListFilter) on RecentValuesFilter,
    and each relation on the related rows the page's own (tenant-scoped) queryset names: Django's default lists
    every row of the related table, other tenants' included."""
    out = []
    for item in filters:
        if isinstance(item, str) and "__" not in item:
            field = model._meta.get_field(item)
            if field.is_relation:
                item = (item, TenantRelatedFilter)
            elif not (field.choices or isinstance(field, (models.BooleanField, models.DateField))):
                item = (item, RecentValuesFilter)
        out.append(item)
    return out


def _steps(first, last, kind: str) -> list:
    out, current = [], first
    while current <= last:
        out.append(current)
        if kind == "year":
            current = current.replace(year=current.year + 1)
        elif kind == "month":
            current = current.replace(year=current.year + current.month // 12, month=current.month % 12 + 1)
        else:
            current = date.fromordinal(current.toordinal() + 1)
    return out


class DateRangeQuerySet(models.QuerySet):
    """What the date hierarchy asks of the changelist's rows: every year (month, day) from the first
    to the last row's, read from MIN and MAX rather than a DISTINCT over every row."""

    def _range(self, field_name: str, kind: str) -> list:
        found = self.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        first, last = found["first"], found["last"]
        if first is None or last is None:
            return []
        if isinstance(first, datetime):
            first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
        if kind == "year":
            first, last = first.replace(month=1, day=1), last.replace(month=1, day=1)
        elif kind == "month":
            first, last = first.replace(day=1), last.replace(day=1)
        return _steps(first, last, kind)

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        return self._range(field_name, kind)

    def dates(self, field_name, kind, order="ASC"):
        return self._range(field_name, kind)


@cache
def _date_range_class(queryset_class):
    return type(f"DateRange{queryset_class.__name__}", (DateRangeQuerySet, queryset_class), {})


def with_date_ranges(queryset):
    clone = queryset._chain()
    clone.__class__ = _date_range_class(type(queryset))
    return clone


class PageOfUnknownCount(InfinitePage):
    """Without a count, the last page is the first with fewer rows than a page: what the changelist's
    Next link shows, and what a record picker's "load more" asks (unfold's page says more until empty)."""

    def has_next(self):
        return len(self.object_list) == self.paginator.per_page


class NoCountPaginator(InfinitePaginator):
    def _get_page(self, *args, **kwargs):
        return PageOfUnknownCount(*args, **kwargs)


# unfold's templates know an infinite paginator by its class name, and print no count for it (else its
# stand-in count, "9999999999 results").
NoCountPaginator.__name__ = InfinitePaginator.__name__


class AtScale:
    """For a ModelAdmin: the paginator and the date hierarchy above (its get_list_filter passes its
    filters through scale_safe_filters). "Select all" across pages is off: there is no count to offer,
    and a bulk action over a whole table is not a click."""

    paginator = NoCountPaginator
    show_full_result_count = False
    list_disable_select_all = True

    def changelist_view(self, request, extra_context=None):
        # Django's note for a selection across pages names the count: there is none
        return super().changelist_view(request, {**(extra_context or {}), "selection_note_all": ""})

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.date_hierarchy and changelist.query:
            # Its range would be a MIN/MAX over the search's rows: the search a second time for a navigation
            # aid; the search's own page (index-served, apps/core/search_indexes.py) is shown without it.
            changelist.date_hierarchy = None
        if changelist.date_hierarchy:  # only the date hierarchy tag reads changelist.queryset after this
            changelist.queryset = with_date_ranges(changelist.queryset)
        return changelist
