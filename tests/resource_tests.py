"""The generated matrices as mixins, in the style of NetBox's `utilities/testing` (`APIViewTestCases`): a
resource's own test module composes them in one class with the resource's data, so reading the module shows
what covers the resource:

    class TestTicketResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                             RenderingTests, StampTests):
        model = Ticket

Everything else is derived from the router (`tests/quality/routes.py`), the model's factory and the spec; a class
sets an attribute (`transition_bodies`) or overrides a method (`build`, `create_fields`) only where its resource
differs. A resource leaves out a mixin that applies to it only by saying why in `not_covered`; tests/quality/test_every_resource_has_tests.py fails while a resource the
router serves has no class, or leaves out a mixin that applies to it without a reason.

The mixins are not collected on their own (their names do not start with `Test`); each check runs once per
resource, in the resource's class."""
import fcntl
import json
import os
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from apps.core.api.renderers import ORJSONRenderer
from apps.core.api.serializers import RecordSerializer
from apps.core.events import record_payload
from apps.core.fsm import state_field, transitions_of
from apps.core.models import STAMPED_FIELDS
from tests.quality.routes import Route, api_routes, build_record
from tests.spec import entity, field_names, in_spec


# One `@given` method runs for every resource's class (hypothesis calls that "differing executors"); its examples
# are derandomized and never replayed from a database, which is what that check guards.
HEALTH_CHECKS_OFF = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.differing_executors]


@cache
def routes_by_model() -> dict[type, list[Route]]:
    by_model: dict[type, list[Route]] = {}
    for route in api_routes():
        by_model.setdefault(route.model, []).append(route)
    return by_model


def each(argnames: str, source: str):
    """Parametrize a mixin's test over what `source`, a method of the resource's class, returns for it."""

    def mark(test):
        test.each = (argnames, source)
        return test

    return mark


class ResourceTests:
    """The resource's data and what is derived from it; the base of every mixin below."""

    pytestmark = [pytest.mark.resource_checks]
    model: type  # the one attribute a resource's class must set
    # {"StateMachineTests": "why"}: a mixin that applies to the resource but is left out, and where it is tested
    not_covered: dict[str, str] = {}

    def pytest_generate_tests(self, metafunc):
        if spec := getattr(metafunc.function, "each", None):
            argnames, source = spec
            values = getattr(self, source)()
            metafunc.parametrize(argnames, values, ids=[route_id(value) for value in values])

    @classmethod
    def applies(cls, model) -> bool:
        """Whether the mixin's checks apply to `model` (every routed resource, unless a mixin says otherwise)."""
        return bool(routes_by_model().get(model))

    @classmethod
    def routes(cls) -> list[Route]:
        return routes_by_model().get(cls.model, [])

    @classmethod
    def list_route(cls) -> Route:
        return next(route for route in cls.routes() if not route.detail and "GET" in route.methods)

    @classmethod
    def create_route(cls) -> Route | None:
        return next((route for route in cls.routes() if not route.detail and "POST" in route.methods), None)

    def build(self, tenant: str = "acme", person: str = "per_owner"):
        """A record of the resource in `tenant`, owned by `person` (its factory, tests/factories)."""
        return build_record(self.model, tenant=tenant, person=person)


def route_id(value) -> str:
    if isinstance(value, tuple):  # (route, method)
        return f"{value[1]} {value[0].template}"
    return value.template if isinstance(value, Route) else str(value)


class TenantIsolationTests(ResourceTests):
    """Every route with a record id (get, update, delete, transitions, nested routes) answers 404 to a caller of
    another tenant and to a plain member of the same tenant who does not own the record; the list shows the record
    to neither. A route that forgets the scope fails here without anyone listing it."""

    def detail_calls(self) -> list[tuple[Route, str]]:
        return [(route, method) for route in self.routes() if route.detail for method in route.methods]

    @each("route,method", "detail_calls")
    def test_other_tenant_gets_404(self, route, method, caller):
        record = self.build("acme")
        before = type(record).all_objects.filter(pk=record.pk).values().get()
        intruder = caller("globex", "per_intruder", ("admin",))
        response = intruder.generic(method, route.url(record.pk), "{}", content_type="application/json")
        assert response.status_code == 404, (response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/problem+json")
        assert type(record).all_objects.filter(pk=record.pk).values().get() == before

    @each("route,method", "detail_calls")
    def test_member_who_does_not_own_it_gets_404(self, route, method, caller):
        record = self.build("acme")
        member = caller("acme", "per_bystander", ())
        response = member.generic(method, route.url(record.pk), "{}", content_type="application/json")
        assert response.status_code == 404, (response.status_code, response.content[:300])

    def test_lists_never_show_another_tenants_or_anothers_rows(self, caller):
        route = self.list_route()
        record = self.build("acme")
        for client in (caller("globex", "per_intruder", ("admin",)), caller("acme", "per_bystander", ())):
            response = client.get(route.url())
            assert response.status_code == 200, response.content[:300]
            assert record.pk not in {row["id"] for row in response.json()["results"]}
        owner_admin = caller("acme", "per_boss", ("admin",))
        assert record.pk in {row["id"] for row in owner_admin.get(route.url(), {"page_size": 500}).json()["results"]}


BASELINE_FILE = Path(__file__).parent / "quality" / "query_counts.json"
UPDATE_QUERY_COUNTS = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
MAX_LIST_QUERIES = 3


@cache
def baselines() -> dict[str, int]:
    return json.loads(BASELINE_FILE.read_text()) if BASELINE_FILE.exists() else {}


def count_queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


def check_query_count(key: str, measured: int) -> None:
    """`measured` is the baseline in tests/quality/query_counts.json; with UPDATE_QUERY_COUNTS=1 it becomes it
    (read, changed and written under a lock, so xdist workers each add theirs)."""
    if UPDATE_QUERY_COUNTS:
        with open(BASELINE_FILE, "a+") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.seek(0)
            current = json.loads(file.read() or "{}")
            current[key] = measured
            file.seek(0)
            file.truncate()
            file.write(json.dumps(dict(sorted(current.items())), indent=2) + "\n")
        return
    assert key in baselines(), f"no baseline for {key}; run with UPDATE_QUERY_COUNTS=1 and commit query_counts.json"
    assert measured == baselines()[key], f"{key}: {measured} queries, baseline {baselines()[key]}"


class QueryCountTests(ResourceTests):
    """Query-count baselines (as NetBox keeps them): a list page costs the same number of queries whatever its
    size, at most MAX_LIST_QUERIES, and the list and detail reads cost what tests/quality/query_counts.json says.
    After an intended change: `UPDATE_QUERY_COUNTS=1 make test PYTEST_ARGS="-m query_counts"`, and review the
    diff."""

    def list_routes(self) -> list[Route]:
        return [self.list_route()]

    def detail_routes(self) -> list[Route]:
        return [route for route in self.routes() if route.template.endswith("{pk}") and "GET" in route.methods]

    @pytest.mark.query_counts
    @each("route", "list_routes")
    def test_list_query_count_is_flat_and_matches_baseline(self, route, caller):
        admin = caller("acme", "per_counter", ("admin",))
        self.build("acme")
        small = count_queries(admin, route.url(), page_size=50)
        for _ in range(25):
            self.build("acme")
        large = count_queries(admin, route.url(), page_size=50)
        assert small == large, f"{route.template}: {small} queries for 1 row, {large} for 26"
        assert large <= MAX_LIST_QUERIES, f"{route.template}: {large} queries per page"
        check_query_count(f"GET {route.template}", large)

    @pytest.mark.query_counts
    @each("route", "detail_routes")
    def test_detail_query_count_matches_baseline(self, route, caller):
        admin = caller("acme", "per_counter", ("admin",))
        record = self.build("acme")
        check_query_count(f"GET {route.template}", count_queries(admin, route.url(record.pk)))


class StateMachineTests(ResourceTests):
    """Random sequences of the resource's transitions, driven through the API, never reach a state the spec does
    not allow: a transition legal by spec/resources.json answers 200 and lands on the spec's target; any other
    answers 409 and changes nothing. A model drifting from the spec fails here."""

    # Bodies a transition needs beyond a comment: {"book": {...}} or {"renew": callable returning the body}.
    transition_bodies: dict = {}

    @classmethod
    def applies(cls, model) -> bool:
        return state_field(model) is not None and any(info.exposed for info in transitions_of(model).values())

    @classmethod
    def transitions(cls) -> list[str]:
        return sorted(info.name for info in transitions_of(cls.model).values() if info.exposed)

    def transition_body(self, name: str) -> dict:
        body = self.transition_bodies.get(name)
        if body is not None:
            return body() if callable(body) else body
        return {"comment": f"hypothesis {name}", **({"reason": "not needed"} if name == "reject" else {})}

    def expected(self, name: str, state: str) -> str | None:
        """The target the spec (or, for transitions the spec does not list, the model) allows from `state`."""
        declared = entity(self.model.__name__).get("transitions", []) if in_spec(self.model.__name__) else []
        spec = {t["name"]: t for t in declared}
        if name in spec:
            return spec[name]["target"] if state in spec[name]["source"] else None
        info = transitions_of(self.model)[name]
        return info.target if info.allowed_from(state) else None

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=HEALTH_CHECKS_OFF)
    @given(data=st.data())
    def test_random_transition_sequences_follow_the_spec(self, data, caller):
        sequence = data.draw(st.lists(st.sampled_from(self.transitions()), min_size=1, max_size=8), label="transitions")
        with transaction.atomic():  # each example starts from a fresh record and leaves nothing behind
            self.run_sequence(sequence, caller("acme", "per_machine_admin", ("admin",)))
            transaction.set_rollback(True)

    def run_sequence(self, sequence: list[str], admin) -> None:
        model, field = self.model, state_field(self.model).name
        statuses = ({f["name"]: f for f in entity(model.__name__)["fields"]}["status"]["enum"]
                    if in_spec(model.__name__) else [value for value, _ in state_field(model).choices])
        record = self.build("acme")
        # The collection route: the one that creates, else (records made by the system only) the one that lists.
        base = (self.create_route() or self.list_route()).url().rstrip("/")
        for name in sequence:
            before = getattr(model.objects.get(pk=record.pk), field)
            response = admin.post(f"{base}/{record.pk}/{name}", self.transition_body(name), format="json")
            after = getattr(model.objects.get(pk=record.pk), field)
            target = self.expected(name, before)
            if target is None:
                assert response.status_code == 409, (name, before, response.content[:300])
                assert after == before
            else:
                assert response.status_code == 200, (name, before, response.content[:300])
                assert after == target == response.json()[field]
            assert after in statuses


SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


class SerializerPropertyTests(ResourceTests):
    """Arbitrary JSON values under the resource's own field names either create a record that reads back as
    written, or are refused with a 4xx problem+json that creates nothing."""

    @classmethod
    def applies(cls, model) -> bool:
        return any(not route.detail and "POST" in route.methods for route in routes_by_model().get(model, []))

    @classmethod
    def create_fields(cls) -> list[str]:
        """The spec's field names for a contract resource, else the serializer's writable fields."""
        if in_spec(cls.model.__name__):
            return sorted(field_names(cls.model.__name__))
        serializer = cls.create_route().viewset.serializer_class()
        return sorted(name for name, field in serializer.fields.items() if not field.read_only)

    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=HEALTH_CHECKS_OFF)
    @given(data=st.data())
    def test_create_accepts_or_refuses_cleanly(self, data, caller):
        body = data.draw(st.dictionaries(st.sampled_from(self.create_fields()), JSON, max_size=6), label="body")
        model, url = self.model, self.create_route().url()
        admin = caller("acme", "per_prop_admin", ("admin",))
        with transaction.atomic():
            before = model.all_objects.count()
            response = admin.post(url, json.dumps(body), content_type="application/json")
            assert response.status_code < 500, response.content[:300]
            if response.status_code == 201:
                created = response.json()
                assert model.all_objects.count() == before + 1
                assert created["tenant_id"] == "acme"
                read = admin.get(f"{url.rstrip('/')}/{created['id']}")
                assert read.status_code == 200
                assert {k: v for k, v in read.json().items() if k != "updated_at"} == {
                    k: v for k, v in created.items() if k in read.json() and k != "updated_at"}
            else:
                assert 400 <= response.status_code < 500
                assert response["Content-Type"].startswith("application/problem+json")
                assert model.all_objects.count() == before
            transaction.set_rollback(True)


class RenderingTests(ResourceTests):
    """A record of the resource, with the values drivers and services hand over (unicode, decimals, nested tags),
    renders through the API's orjson renderer as DRF's JSONRenderer renders it, and its outbox payload equals the
    JSON round trip of its fields. Built from the model, so a new field is covered."""

    def record_with_awkward_values(self, tags: list):
        record = self.build("acme")
        record.tags = tags
        for name in ("cost", "actual_cost", "estimated_cost"):
            if hasattr(record, name):
                setattr(record, name, Decimal("12.50"))
        record.save()
        return record

    def test_renders_as_drf_renders_it(self, db):
        serializer_class = self.list_route().viewset.serializer_class
        record = self.record_with_awkward_values(["a", "ünïcode \u2028 line separator", {"n": 1.5}])
        reloaded = self.model.all_objects.get(pk=record.pk)  # values as the database driver returns them
        for data in (serializer_class(reloaded).data, serializer_class([record, reloaded], many=True).data):
            assert ORJSONRenderer().render(data, None, {}) == JSONRenderer().render(data, None, {})

    def test_writes_every_row_as_drf_writes_it_in_utc(self, db):
        """The API's serializer lists its readable fields once (a list page's one child serializer writes every
        row): each row is what DRF's own `Serializer.to_representation` writes from the same fields. Date-times
        are UTC (`Z`) whatever time zone a request has activated."""
        serializer = self.list_route().viewset.serializer_class()
        record = self.record_with_awkward_values(["a", {"n": 1.5}])
        with timezone.override("Europe/Berlin"):
            for obj in (record, self.model.all_objects.get(pk=record.pk), record):
                row = RecordSerializer.to_representation(serializer, obj)  # what a resource's own override receives
                assert row == serializers.Serializer.to_representation(serializer, obj)
                stamps = [value for name, value in row.items() if name in ("created_at", "updated_at")]
                assert stamps and all(value.endswith("Z") for value in stamps), stamps

    def test_event_payload_equals_the_json_round_trip(self, db):
        """Outbox payloads skip json.loads(json.dumps(...)) for plain values: same result."""
        record = self.record_with_awkward_values(["a", {"b": 1.5}])
        record.tags = ["a", {"b": Decimal("1.5")}]  # unsaved values too (a service's in-memory record)
        for obj in (record, self.model.all_objects.get(pk=record.pk)):
            raw = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields
                   if f.name not in obj.api_hidden_fields}  # what the API does not show, events do not carry
            raw.update({alias: raw.get(canonical) for alias, canonical in obj.field_aliases.items()})
            expected = json.loads(json.dumps(raw, cls=DjangoJSONEncoder))
            payload = record_payload(obj)
            assert payload == expected
            assert [type(v) for v in payload.values()] == [type(v) for v in expected.values()]


# Stamps of the wrong JSON type, each a 400 naming the field (tests/core/test_request_bodies.py states the rule).
WRONG_STAMP_TYPES = {"schema_version": {}, "id": 5, "created_at": "yesterday", "is_deleted": "yes", "tenant_id": []}


class StampTests(ResourceTests):
    """The server's stamps (STAMPED_FIELDS, `editable=False` on TenantModel) are read-only in the resource's
    serializer, on a create and on an update, and a stamp sent back with the wrong JSON type is refused by name
    (tests/core/test_stamped_fields.py and test_request_bodies.py hold the rules as a whole)."""

    def test_renders_the_stamps_read_only(self):
        viewset = self.list_route().viewset
        for action in ("create", "partial_update"):
            fields = viewset.serializer_class(context={"view": viewset(action=action)}).fields
            stamped = [name for name in STAMPED_FIELDS if name in fields]
            assert stamped, viewset.__name__
            assert all(fields[name].read_only for name in stamped), (viewset.__name__, action)

    def test_refuses_wrongly_typed_stamps(self):
        viewset = self.list_route().viewset
        for action in ("create", "partial_update"):
            serializer_class = viewset.serializer_class
            fields = serializer_class(context={"view": viewset(action=action)}).fields
            sent = {name: value for name, value in WRONG_STAMP_TYPES.items() if name in fields}
            serializer = serializer_class(data=sent, partial=True, context={"view": viewset(action=action)})
            assert not serializer.is_valid()
            assert set(sent) <= set(serializer.errors), (viewset.__name__, action, serializer.errors)


MIXINS = (TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests, RenderingTests, StampTests)
