"""Deprecation on the wire: an answer to a request that used something deprecated carries
`Deprecation: @<unix time>` (RFC 9745, since when), `Sunset: <HTTP-date>` (RFC 8594, when it stops
working) and `Link: <…>; rel="deprecation"` (where the replacement is described).

Two things can be deprecated, both declared in code: a whole operation (a viewset's
`deprecated_actions`, {action name: Deprecation}) and a field alias (a model's `field_aliases`, sent
as a body field or a query parameter; settings.API_ALIASES_DEPRECATED_SINCE / API_ALIASES_SUNSET).
The schema marks the same things `deprecated: true` and documents the headers
(apps/core/api/schema_contract.py)."""
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.http import http_date

HEADERS = ("Deprecation", "Sunset", "Link")
POLICY_LINK = "/api/v1/docs"  # the schema's description states the versioning policy


@dataclass(frozen=True)
class Deprecation:
    since: dt.date
    sunset: dt.date | None
    use_instead: str

    def headers(self) -> dict[str, str]:
        midnight = dt.datetime.combine(self.since, dt.time(), tzinfo=dt.UTC)
        found = {"Deprecation": f"@{int(midnight.timestamp())}",
                 "Link": f'<{POLICY_LINK}>; rel="deprecation"; title="Use {self.use_instead}"'}
        if self.sunset is not None:
            found["Sunset"] = http_date(dt.datetime.combine(self.sunset, dt.time(), tzinfo=dt.UTC).timestamp())
        return found


def alias_deprecation(aliases_used: list[str]) -> Deprecation:
    return Deprecation(since=settings.API_ALIASES_DEPRECATED_SINCE, sunset=settings.API_ALIASES_SUNSET,
                       use_instead=", ".join(aliases_used))


def aliases_used(request, model) -> list[str]:
    """The deprecated alias names this request sent (query parameters, lookups included, and body keys)."""
    aliases = getattr(model, "field_aliases", None) or {}
    if not aliases:
        return []
    sent = {name.partition("__")[0] for name in request.query_params}
    data = getattr(request, "_full_data", None)  # parsed already (never parse a body only to look)
    if isinstance(data, dict):
        sent |= set(data)
    return sorted(f"`{aliases[name]}` for `{name}`" for name in sent & set(aliases))


def deprecation_of(view, request) -> Deprecation | None:
    declared = (getattr(view, "deprecated_actions", None) or {}).get(getattr(view, "action", None))
    if declared is not None:
        return declared
    model = getattr(getattr(view, "queryset", None), "model", None)
    used = aliases_used(request, model) if model is not None else []
    return alias_deprecation(used) if used else None


def mark_deprecated(view, request, response) -> None:
    deprecation = deprecation_of(view, request)
    if deprecation is not None:
        for name, value in deprecation.headers().items():
            response[name] = value
