"""docs/events.md, generated from the event catalogue (`manage.py event_catalogue --write`)."""
from rest_framework import serializers

from .api.resources import api_resources
from .event_catalogue import catalogue

_TYPES = [
    (serializers.ChoiceField, lambda f: " \\| ".join(f"`{c}`" for c in f.choices)),
    (serializers.BooleanField, lambda f: "boolean"), (serializers.DateTimeField, lambda f: "date-time"),
    (serializers.DateField, lambda f: "date"), (serializers.DecimalField, lambda f: "decimal (string)"),
    (serializers.IntegerField, lambda f: "integer"), (serializers.FloatField, lambda f: "number"),
    (serializers.JSONField, lambda f: "JSON"), (serializers.ListField, lambda f: "list of strings"),
    (serializers.CharField, lambda f: "string"),
]
HEADER = """# Event catalogue

Generated from `apps/core/event_catalogue.py` by `manage.py event_catalogue --write`; a test fails when
it is stale. The same types, with JSON Schemas, are the `webhooks` section of the OpenAPI schema
(`clients/typescript/openapi.json`).

Every webhook delivery is a POST of `{"type": "<event type>", "timestamp": "<ISO 8601>", "data": {…}}`
signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Types are
`<domain>.<entity>.<action>`; the entity is the record's snake_case name, the resource's URL segment is
its plural in kebab case (`operations.access_request.*` ↔ `/api/v1/operations/access-requests`).
A subscription's `event_types` takes exact types, `<domain>.*` or `*`.
"""


def _type(field) -> str:
    text = next((describe(field) for kind, describe in _TYPES if isinstance(field, kind)), "string")
    return text + (", nullable" if field.allow_null else "")


def _names(events) -> str:
    """One resource, four spellings: the table relating them, from the URL router and the catalogue."""
    lines = ["\n## One resource, four spellings\n",
             "The URL path is kebab-case and plural, the schema component (and the SDK's TypeScript type) is the "
             "record's PascalCase name, the SDK namespace is the path's camelCase and event types use the "
             "record's snake_case name. Where they differ by more than case, this table is the key.\n",
             "| Resource | URL path | Schema / SDK type | SDK calls | Event types |", "|---|---|---|---|---|"]
    for resource in api_resources():
        declared = any(name.startswith(resource.event_prefix + ".") for name in events)
        prefix = f"`{resource.event_prefix}.*`" if declared else "none"
        lines.append(f"| {resource.model._meta.verbose_name_plural} | `{resource.path}` | `{resource.component}` | "
                     f"`client.{resource.sdk}.*` | {prefix} |")
    return "\n".join(lines)


def render() -> str:
    events = catalogue()
    lines = [HEADER, "| Event type | When | Payload (`data`) |", "|---|---|---|"]
    payloads = {}
    for name, event in events.items():
        component = event.payload.__name__.removesuffix("Serializer")
        payloads.setdefault(component, event.payload)
        lines.append(f"| `{name}` | {event.description} | [{component}](#{component.lower()}) |")
    lines.append(_names(events))
    lines.append("\n## Payloads\n")
    for component, payload in sorted(payloads.items()):
        lines.append(f"### {component}\n\n{' '.join((payload.__doc__ or '').split())}\n")
        lines.append("| Field | Type | Note |\n|---|---|---|")
        for field_name, field in payload().fields.items():
            note = " ".join(str(field.help_text or "").split()).replace("|", "\\|")
            lines.append(f"| `{field_name}` | {_type(field)} | {note} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
