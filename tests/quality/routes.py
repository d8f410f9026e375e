"""Every API route, read from the URL resolver (not a hand-written list), with a way to
build a record for any tenant model so each route can be exercised."""
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.core.models import TenantModel

API_PREFIX = "api/v1/"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "/api/v1/helpdesk/tickets/{pk}/close"
    viewset: type
    methods: tuple[str, ...]  # HTTP methods routed here
    detail: bool

    @property
    def model(self) -> type[TenantModel]:
        return self.viewset.queryset.model

    def url(self, pk: str | None = None) -> str:
        return self.template.format(pk=pk)


def _clean(regex: str) -> str:
    regex = regex.replace("^", "").replace("$", "").replace("\\Z", "")
    regex = re.sub(r"\(\?P<pk>[^)]*\)", "{pk}", regex)
    return regex.replace("/?", "")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[Route]:
    routes = {}
    for raw, pattern in _walk(get_resolver().url_patterns):
        cls = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if not raw.startswith(API_PREFIX) or cls is None or not actions:
            continue
        queryset = getattr(cls, "queryset", None)
        if queryset is None or not issubclass(queryset.model, TenantModel):
            continue
        template = "/" + _clean(raw)
        routes[template] = Route(template, cls, tuple(m.upper() for m in actions), "{pk}" in template)
    return sorted(routes.values(), key=lambda r: r.template)


def _value_for(field: models.Field, tenant: str, person: str):
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        return build_record(field.related_model, tenant=tenant, person=person)
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now() + timedelta(days=1)
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(field, models.JSONField):
        return []
    if isinstance(field, models.URLField):
        return "https://example.com/x"
    if isinstance(field, models.EmailField):
        return "x@example.com"
    unique = next(_serial)  # unique columns (ticket numbers, key hashes, slugs) take many rows
    return f"x{unique}-{field.name}"[: getattr(field, "max_length", None) or 50]


def build_record(model: type[TenantModel], *, tenant: str, person: str = "per_owner") -> TenantModel:
    """A row of `model` in `tenant` owned by `person`, written straight to the database."""
    obj = model(tenant_id=tenant, created_by=person, updated_by=person)
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in ("tenant_id", "created_by", "updated_by"):
            continue
        if field.has_default() or field.null:
            continue
        setattr(obj, field.name, _value_for(field, tenant, person))
    for mine in model.visibility.mine:
        if "__" in mine.path:
            continue
        field = model._meta.get_field(mine.path)
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            setattr(obj, mine.path, person)
    obj.save()
    return obj
