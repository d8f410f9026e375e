"""Outbox payloads equal the JSON round trip of the record, for every resource behind the router
(records built from the models, so new fields are covered)."""
from decimal import Decimal

import pytest

from tests.quality.routes import api_routes, build_record

pytestmark = pytest.mark.django_db
MODELS = sorted({route.model for route in api_routes()}, key=lambda m: m.__name__)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_event_payload_equals_the_json_round_trip(model):
    """Outbox payloads skip json.loads(json.dumps(...)) for plain values: same result, every model."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from apps.core.events import record_payload

    record = build_record(model, tenant="acme")
    record.tags = ["a", {"b": 1.5}]
    for name in ("cost", "actual_cost", "estimated_cost"):
        if hasattr(record, name):
            setattr(record, name, Decimal("12.50"))
    record.save()
    record.tags = ["a", {"b": Decimal("1.5")}]  # unsaved values too (a service's in-memory record)
    for obj in (record, type(record).all_objects.get(pk=record.pk)):
        raw = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields
               if f.name not in obj.api_hidden_fields}  # what the API does not show, events do not carry
        raw.update({alias: raw.get(canonical) for alias, canonical in obj.field_aliases.items()})
        expected = json.loads(json.dumps(raw, cls=DjangoJSONEncoder))
        payload = record_payload(obj)
        assert payload == expected
        assert [type(v) for v in payload.values()] == [type(v) for v in expected.values()]
