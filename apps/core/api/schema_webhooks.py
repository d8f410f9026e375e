"""OpenAPI 3.1 `webhooks`: one entry per event type of the catalogue (apps/core/event_catalogue.py),
built by drf-spectacular's own webhook support (`OpenApiWebhook`, a postprocessing hook because the
catalogue is complete only once every app is ready). Each body is the delivery envelope
(`apps/integration/delivery_engine.message_body`) with the event's payload schema as `data`."""
from drf_spectacular.plumbing import process_webhooks
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiWebhook, extend_schema

from ..event_catalogue import catalogue

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def _envelope(event_type: str, data: dict) -> dict:
    return {
        "type": "object", "required": ["type", "timestamp", "data"], "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "const": event_type},
            "timestamp": {"type": "string", "format": "date-time", "description": "When the event was written."},
            "data": data,
        },
    }


def add_webhooks(result, generator, request, public):
    events = catalogue()
    hooks = [OpenApiWebhook(name=name, decorator=extend_schema(
        summary=name, description=f"{event.description}\n\nSigned per Standard Webhooks "
                                  f"({', '.join(f'`{h}`' for h in SIGNATURE_HEADERS)}).",
        request=event.payload, responses={200: None}, tags=["events"]))
        for name, event in events.items()]
    webhooks = process_webhooks(hooks, generator.registry)
    for name, item in webhooks.items():
        body = item["post"]["requestBody"]["content"]["application/json"]
        body["schema"] = _envelope(name, body["schema"])
        for other in [t for t in item["post"]["requestBody"]["content"] if t != "application/json"]:
            del item["post"]["requestBody"]["content"][other]
        item["post"]["responses"] = {"2XX": {"description": "Received; any 2xx stops the retries."}}
        item["post"]["operationId"] = "events." + name.replace(".", "_")
        item["post"]["security"] = []  # the receiver checks the Standard Webhooks signature, not a credential
    result["webhooks"] = webhooks
    result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
    return result
