"""Every API route, read from the URL resolver (not a hand-written list), with a way to
build a record for any tenant model so each route can be exercised."""
import re
from dataclasses import dataclass

from django.db import models
from django.urls import get_resolver

from apps.core.api.resources import walk_urls

from apps.core.models import TenantModel
from tests.factories import FACTORIES

API_PREFIX = "api/v1/"


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


def api_routes() -> list[Route]:
    routes = {}
    for raw, pattern in walk_urls(get_resolver().url_patterns):
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


def _owned(model: type[TenantModel], person: str) -> dict:
    """Factory overrides making `person` the row's creator and every person its `mine` paths name,
    following foreign keys (`approval_request__requested_by_id`) into the related row."""
    owned = {"created_by": person, "updated_by": person}
    for mine in model.visibility.mine:
        field_name, _, rest = mine.path.partition("__")
        field = model._meta.get_field(field_name)
        if rest and field.many_to_one and field_name in FACTORIES[model]._meta.declarations:  # a row it makes
            owned.update({f"{field_name}__{k}": v for k, v in _owned(field.related_model, person).items()})
        elif not rest and not field.primary_key and isinstance(field, (models.CharField, models.TextField)) \
                and not field.choices:
            owned[field_name] = person
    return owned


def build_record(model: type[TenantModel], *, tenant: str, person: str = "per_owner") -> TenantModel:
    """A row of `model` in `tenant` owned by `person`, from the model's factory (tests/factories)."""
    return FACTORIES[model](tenant_id=tenant, **_owned(model, person))
