"""Property tests for the serializers behind every create route (read from the router):
arbitrary JSON values under the resource's own field names either create a record that
reads back as written, or are refused with a 4xx problem+json that creates nothing."""
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.quality.routes import api_routes
from tests.spec import field_names, in_spec

CREATE_ROUTES = [route for route in api_routes() if not route.detail and "POST" in route.methods]
SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)


@pytest.mark.django_db
@pytest.mark.parametrize("route", CREATE_ROUTES, ids=lambda r: r.template)
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_create_accepts_or_refuses_cleanly(route, data, caller):
    names = sorted(field_names(route.model.__name__) if in_spec(route.model.__name__)
                   else (n for n, f in route.viewset.serializer_class().fields.items() if not f.read_only))
    body = data.draw(st.dictionaries(st.sampled_from(names), JSON, max_size=6), label="body")
    model = route.model
    with transaction.atomic():
        before = model.all_objects.count()
        response = caller("acme", "per_prop_admin", ("admin",)).post(route.url(), json.dumps(body),
                                                                     content_type="application/json")
        assert response.status_code < 500, response.content[:300]
        if response.status_code == 201:
            created = response.json()
            assert model.all_objects.count() == before + 1
            assert created["tenant_id"] == "acme"
            read = caller("acme", "per_prop_admin", ("admin",)).get(f"{route.url().rstrip('/')}/{created['id']}")
            assert read.status_code == 200
            assert {k: v for k, v in read.json().items() if k != "updated_at"} == {
                k: v for k, v in created.items() if k in read.json() and k != "updated_at"}
        else:
            assert 400 <= response.status_code < 500
            assert response["Content-Type"].startswith("application/problem+json")
            assert model.all_objects.count() == before
        transaction.set_rollback(True)
