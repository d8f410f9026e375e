"""The API's orjson renderer writes the bytes DRF's JSONRenderer writes: for the values DRF's encoder
knows and through a real request (every resource's record: RenderingTests in its test module,
tests/resource_tests.py)."""
import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from apps.core.api.renderers import ORJSONRenderer


def both(data, accepted_media_type=None) -> tuple[bytes, bytes]:
    return (ORJSONRenderer().render(data, accepted_media_type, {}),
            JSONRenderer().render(data, accepted_media_type, {}))


@pytest.mark.parametrize("value", [
    datetime.datetime(2026, 12, 6, 10, 30, 5, 123456, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 6, 10, 30, tzinfo=ZoneInfo("Europe/Paris")),
    datetime.datetime(2026, 12, 6, 10, 30),
    datetime.date(2026, 12, 6),
    datetime.time(10, 30, 5, 250000),
    datetime.timedelta(hours=1, seconds=3),
    Decimal("1234.5600"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    gettext_lazy("Not found."),
    "line \u2028 and paragraph \u2029 separators",
    {1: "an integer key", "nested": [{"x": None, "y": True}]},
    2**70,  # beyond orjson's integers: DRF's own path
    ("a", "tuple"),
])
def test_values_drf_encodes_are_encoded_the_same(value):
    ours, drf = both({"value": value})
    assert ours == drf


def test_none_is_an_empty_body_and_indent_is_honoured():
    assert both(None) == (b"", b"")
    ours, drf = both({"a": [1, 2]}, "application/json; indent=4")
    assert ours == drf and b"\n    " in ours


@pytest.mark.django_db
def test_api_responses_are_rendered_by_it(caller):
    agent = caller("acme", "per_agent", ("agent",))
    response = agent.get("/api/v1/helpdesk/tickets")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, ORJSONRenderer)
    assert response["Content-Type"] == "application/json"
    pretty = agent.get("/api/v1/helpdesk/tickets", HTTP_ACCEPT="application/json; indent=2")
    assert pretty.status_code == 200 and pretty.content.startswith(b"{\n  ")
