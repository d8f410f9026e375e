"""SCIM errors as SCIM (RFC 7644 §3.12): a 4xx with `status` as a string and, on a 400, a scimType —
never a 500 — for the inputs a harness found and for fuzzed bodies, filters and pages; nothing is
written by a refused request."""
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.directory.models import Person
from tests.directory.conftest import SCIM, SCIM_JSON, new_token, user_body

pytestmark = pytest.mark.django_db
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_scim_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    doc = json.loads(response.content)
    assert doc["schemas"] == [ERROR] and doc["status"] == str(status) and doc["detail"]
    if scim_type:
        assert doc["scimType"] == scim_type
    return doc


@pytest.fixture
def raw(db):
    return Client(HTTP_AUTHORIZATION=f"Bearer {new_token('acme')}")


@pytest.fixture
def ann(scim_a):
    created = scim_a.post("/Users", user_body("ann@acme.example"))
    assert created.status_code == 201
    return created.doc["id"]


def test_a_huge_start_index_is_an_empty_page(scim_a, ann):
    response = scim_a.get("/Users", startIndex="99999999999999999999")
    assert response.status_code == 200
    assert response.doc["Resources"] == [] and response.doc["totalResults"] == 1


@pytest.mark.parametrize("params, scim_type", [
    ({"startIndex": "0"}, "invalidValue"), ({"startIndex": "x"}, "invalidValue"),
    ({"count": "-1"}, "invalidValue"), ({"filter": 'userName eq "a" and ('}, "invalidFilter"),
    ({"filter": "nonsense"}, "invalidFilter")])
def test_bad_pages_and_filters_are_400_with_a_scim_type(scim_a, params, scim_type):
    assert_scim_error(scim_a.get("/Users", **params), 400, scim_type)


def test_a_body_over_the_limit_is_413(raw, settings):
    body = json.dumps(user_body("big@acme.example", title="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)))
    assert_scim_error(raw.post(f"{SCIM}/Users", body, content_type=SCIM_JSON), 413)
    assert not Person.all_objects.exists()


def test_deeply_nested_json_is_400(raw, ann):
    deep = '{"a":' * 50_000 + "1" + "}" * 50_000
    assert_scim_error(raw.post(f"{SCIM}/Users", deep, content_type=SCIM_JSON), 400, "invalidSyntax")
    assert_scim_error(raw.patch(f"{SCIM}/Users/{ann}", deep, content_type=SCIM_JSON), 400, "invalidSyntax")
    nested = {"Operations": [{"op": "replace", "value": json.loads('{"a":' * 40 + "1" + "}" * 40)}]}
    assert_scim_error(raw.patch(f"{SCIM}/Users/{ann}", json.dumps(nested), content_type=SCIM_JSON), 400,
                      "invalidSyntax")
    assert Person.objects.get(pk=ann).title == ""


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\u0000b"'])
def test_a_lone_surrogate_or_nul_is_400_invalid_value(raw, ann, text):
    body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":' + text + "}"
    assert_scim_error(raw.post(f"{SCIM}/Users", body, content_type=SCIM_JSON), 400, "invalidValue")
    patch = '{"Operations":[{"op":"replace","path":"title","value":' + text + "}]}"
    assert_scim_error(raw.patch(f"{SCIM}/Users/{ann}", patch, content_type=SCIM_JSON), 400, "invalidValue")
    assert Person.objects.count() == 1 and Person.objects.get().title == ""


@pytest.mark.parametrize("body", ["[]", "1", '"x"', "null", "{", '{"Operations": 5}', '{"Operations": [5]}',
                                  '{"Operations": [{"op": 5}]}'])
def test_bodies_that_are_not_scim_objects_are_400(raw, ann, body):
    assert_scim_error(raw.patch(f"{SCIM}/Users/{ann}", body, content_type=SCIM_JSON), 400)
    assert_scim_error(raw.put(f"{SCIM}/Users/{ann}", body, content_type=SCIM_JSON), 400)


def test_library_errors_carry_status_as_a_string(scim_a):
    assert_scim_error(scim_a.post("/Groups/.search", {"schemas": ["wrong"]}), 400, "invalidSyntax")
    assert_scim_error(scim_a.get("/Users/per_nobody"), 404)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)
SCIM_KEYS = st.sampled_from(["userName", "emails", "active", "name", "displayName", "Operations", "op", "path",
                             "value", "members", "manager", "externalId", "schemas", "title"])
BODY = st.dictionaries(SCIM_KEYS, JSON, max_size=5) | JSON


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=BODY, method=st.sampled_from(["post", "put", "patch"]), where=st.sampled_from(["Users", "Groups"]))
def test_fuzzed_bodies_are_never_500(body, method, where):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {FUZZ['token']}")
    path = f"{SCIM}/{where}" + ("" if method == "post" else f"/{FUZZ[where]}")
    response = getattr(client, method)(path, json.dumps(body), content_type=SCIM_JSON)
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert json.loads(response.content)["status"] == str(response.status_code)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(filter_=st.text(max_size=40) | st.builds(lambda a, v: f'{a} eq "{v}"', SCIM_KEYS, st.text(max_size=10)),
       start=st.text(max_size=22) | st.integers().map(str), count=st.text(max_size=5) | st.integers().map(str))
def test_fuzzed_filters_and_pages_are_never_500(filter_, start, count):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {FUZZ['token']}")
    response = client.get(f"{SCIM}/Users", {"filter": filter_, "startIndex": start, "count": count})
    assert response.status_code < 500, (response.status_code, response.content[:300])


FUZZ: dict = {}


@pytest.fixture(autouse=True)
def _fuzz_targets(request, db):
    if "fuzzed" in request.node.name:
        from tests.directory.conftest import ScimClient

        FUZZ["token"] = new_token("acme", "fuzz")
        client = ScimClient(FUZZ["token"])
        FUZZ["Users"] = client.post("/Users", user_body("fuzz@acme.example")).doc["id"]
        FUZZ["Groups"] = client.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                                 "displayName": "Fuzzers"}).doc["id"]


@pytest.mark.django_db
def test_fuzzed_filter_the_database_refuses_is_a_400_and_the_next_request_still_works():
    """Found by the fuzzer: a boolean compared with "" fails in PostgreSQL; the request is a SCIM 400 and
    leaves no aborted transaction behind."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {FUZZ['token']}")
    response = client.get(f"{SCIM}/Users", {"filter": 'active EQ ""', "startIndex": "1", "count": "0"})
    assert response.status_code < 500, response.content[:300]
    assert client.get(f"{SCIM}/Users").status_code == 200
