"""The API's resources as the URL router serves them (not a hand list), with each one's spellings:
URL path, schema component, SDK namespace and event type prefix (docs/events.md's table)."""
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from .schema import camel

API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class Resource:
    path: str  # /api/v1/operations/access-requests
    viewset: type

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def sdk(self) -> str:
        """`client.<domain>.<resource>`, as operation ids are (apps/core/api/schema.py)."""
        parts = self.path.removeprefix("/" + API_PREFIX).split("/")
        return f"{parts[0]}.{camel(parts[1] if len(parts) > 1 else parts[0])}"

    @property
    def component(self) -> str:
        serializer = self.viewset.serializer_class
        return getattr(getattr(serializer, "Meta", None), "ref_name", None) or serializer.__name__.removesuffix("Serializer")

    @property
    def event_prefix(self) -> str:
        return self.model.event_prefix()


def walk_urls(patterns, prefix=""):
    """(route regex text, URLPattern) for every pattern under `patterns`."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk_urls(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def api_resources() -> list[Resource]:
    """Every collection the router serves a list of, sorted by path."""
    from ..models import TenantModel

    found = {}
    for raw, pattern in walk_urls(get_resolver().url_patterns):
        cls, actions = getattr(pattern.callback, "cls", None), getattr(pattern.callback, "actions", None) or {}
        queryset = getattr(cls, "queryset", None)
        if not raw.startswith(API_PREFIX) or actions.get("get") != "list" or queryset is None \
                or not issubclass(queryset.model, TenantModel):
            continue
        path = "/" + re.sub(r"[\^$]|\\Z|/\?", "", raw).rstrip("/")
        found[path] = Resource(path, cls)
    return sorted(found.values(), key=lambda r: r.path)
