"""RFC 9865 cursor pages of /Users and /Groups beside startIndex pages: every row of the tenant exactly once,
none of another tenant's; a cursor serves only the tenant, resource type and filter it was issued for, and
a changed, foreign or expired one is a SCIM 400; a page costs the same queries at 5 rows as at 200."""
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.directory.models import Group, Person
from apps.directory.scim.cursors import CURSOR_TIMEOUT
from tests.directory.conftest import SCIM, SCIM_JSON, new_token

from .test_scim_errors import assert_scim_error

pytestmark = pytest.mark.django_db
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _people(tenant: str, prefix: str, n: int, **fields) -> list[str]:
    Person.objects.bulk_create([Person(id=f"per_{prefix}{i:03}", tenant_id=tenant,
                                       user_name=f"{prefix}{i}@{tenant}.invalid", **fields) for i in range(n)])
    return [f"per_{prefix}{i:03}" for i in range(n)]


def _walk(scim, path: str, count: int, **params) -> tuple[list[str], list[dict]]:
    """Every page from an empty cursor to the page without nextCursor: (the ids in order, the pages)."""
    ids, pages, cursor = [], [], ""
    while True:
        page = scim.get(path, cursor=cursor, count=count, **params)
        assert page.status_code == 200, page.doc
        pages.append(page.doc)
        ids += [r["id"] for r in page.doc["Resources"]]
        assert len(pages) < 100
        if "nextCursor" not in page.doc:
            return ids, pages
        cursor = page.doc["nextCursor"]


def test_cursor_pages_list_every_user_of_the_tenant_once(scim_a, scim_b):
    mine = _people("acme", "a", 23)
    _people("globex", "g", 17)  # between and around acme's ids: another tenant's rows are never read
    _people("globex", "b", 9)
    Person.objects.filter(pk=mine[4]).update(is_deleted=True)  # a deleted person is not listed

    ids, pages = _walk(scim_a, "/Users", 5)
    assert ids == sorted(set(mine) - {mine[4]})
    assert [p["itemsPerPage"] for p in pages] == [5, 5, 5, 5, 2]
    assert all("totalResults" not in p and "startIndex" not in p and "previousCursor" not in p for p in pages)
    assert all(set(p["nextCursor"]) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
               for p in pages[:-1])  # RFC 9865 §2: unreserved characters only

    # A page that ends the list exactly: no nextCursor, no empty page after it.
    ids, pages = _walk(scim_a, "/Users", 11)
    assert len(ids) == 22 and len(pages) == 2 and "nextCursor" not in pages[-1]
    theirs = sorted(Person.objects.filter(tenant_id="globex").values_list("pk", flat=True))
    assert _walk(scim_b, "/Users", 200)[0] == theirs


def test_cursor_pages_of_groups_and_with_a_filter(scim_a, scim_b):
    people = _people("acme", "a", 6)
    engineers = _people("acme", "e", 7, title="Engineer")
    _people("globex", "ge", 4, title="Engineer")
    for name in ("Ops", "Desk", "Sales", "Legal", "Facilities"):
        assert scim_a.post("/Groups", {"displayName": name, "members": [{"value": people[0]}]}).status_code == 201
    scim_b.post("/Groups", {"displayName": "Globex team"})

    ids, pages = _walk(scim_a, "/Groups", 2)
    assert ids == sorted(Group.objects.filter(tenant_id="acme").values_list("pk", flat=True)) and len(ids) == 5
    assert [m["value"] for m in pages[0]["Resources"][0]["members"]] == [people[0]]  # members prefetched

    ids, _ = _walk(scim_a, "/Users", 3, filter='title eq "Engineer"')
    assert ids == engineers
    ids, _ = _walk(scim_a, "/Users", 3, filter='title eq "Engineer"', attributes="userName")
    assert ids == engineers


def test_post_search_pages_by_cursor(scim_a):
    engineers = _people("acme", "e", 5, title="Engineer")
    _people("acme", "x", 3)
    ids, cursor = [], ""
    while cursor is not None:
        page = scim_a.post("/Users/.search", {"schemas": [SEARCH], "filter": 'title eq "Engineer"', "cursor": cursor,
                                              "count": 2, "attributes": ["userName"]})
        assert page.status_code == 200, page.doc
        assert all(set(r) <= {"id", "schemas", "meta", "userName"} for r in page.doc["Resources"])
        ids += [r["id"] for r in page.doc["Resources"]]
        cursor = page.doc.get("nextCursor")
    assert ids == engineers


def test_count_zero_asks_for_the_total_and_index_pages_are_unchanged(scim_a):
    _people("acme", "a", 7)
    assert scim_a.get("/Users", cursor="", count=0).doc == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 7, "itemsPerPage": 0,
        "Resources": []}
    page = scim_a.get("/Users", startIndex=3, count=2).doc
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (7, 3, 2) and "nextCursor" not in page
    assert "nextCursor" not in scim_a.get("/Users").doc  # no pagination parameter: index, the default


def test_a_changed_or_foreign_cursor_is_400_invalid_cursor(scim_a, scim_b):
    _people("acme", "a", 4)
    _people("globex", "g", 4)
    cursor = scim_a.get("/Users", cursor="", count=1).doc["nextCursor"]
    assert scim_a.get("/Users", cursor=cursor, count=1).status_code == 200

    changed = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for bad in (changed, "x" + cursor, "abc", "a.b.c", cursor.split(".")[0]):
        assert_scim_error(scim_a.get("/Users", cursor=bad), 400, "invalidCursor")
    assert_scim_error(scim_b.get("/Users", cursor=cursor), 400, "invalidCursor")  # another tenant's
    assert_scim_error(scim_a.get("/Groups", cursor=cursor), 400, "invalidCursor")  # another resource type
    assert_scim_error(scim_a.get("/Users", cursor=cursor, filter='userName eq "a1@acme.invalid"'), 400, "invalidCursor")
    filtered = scim_a.get("/Users", cursor="", count=1, filter='title eq ""').doc["nextCursor"]
    assert_scim_error(scim_a.get("/Users", cursor=filtered), 400, "invalidCursor")  # the filter left out
    assert_scim_error(scim_a.get("/Users", cursor=filtered, filter='title eq "x"'), 400, "invalidCursor")
    assert scim_a.get("/Users", cursor=filtered, filter='title eq ""').status_code == 200


def test_an_old_cursor_is_400_expired_cursor(scim_a):
    _people("acme", "a", 3)
    with freeze_time("2030-01-01 10:00:00"):
        cursor = scim_a.get("/Users", cursor="", count=1).doc["nextCursor"]
    with freeze_time(f"2030-01-01 10:{CURSOR_TIMEOUT // 60 - 1}:00"):
        assert scim_a.get("/Users", cursor=cursor, count=1).status_code == 200
    with freeze_time("2030-01-01 10:00:00") as frozen:
        frozen.tick(CURSOR_TIMEOUT + 1)
        assert_scim_error(scim_a.get("/Users", cursor=cursor, count=1), 400, "expiredCursor")


@pytest.mark.parametrize("params, scim_type", [
    ({"cursor": "", "startIndex": "1"}, "invalidValue"), ({"cursor": "", "count": "-1"}, "invalidValue"),
    ({"cursor": "", "count": "x"}, "invalidValue"), ({"cursor": "", "filter": "nonsense"}, "invalidFilter")])
def test_bad_cursor_pages_are_400_with_a_scim_type(scim_a, params, scim_type):
    assert_scim_error(scim_a.get("/Users", **params), 400, scim_type)


def test_post_search_with_a_cursor_and_a_start_index_is_400(scim_a):
    body = {"schemas": [SEARCH], "filter": 'title eq ""', "cursor": "", "startIndex": 1}
    assert_scim_error(scim_a.post("/Users/.search", body), 400, "invalidValue")
    assert_scim_error(scim_a.post("/Users/.search", {**body, "startIndex": None, "cursor": 3}), 400, "invalidCursor")
    page = scim_a.post("/Users/.search", {**body, "startIndex": None, "cursor": None})  # null: an index search
    assert page.status_code == 200 and page.doc["startIndex"] == 1


def test_a_cursor_page_is_capped_at_the_max_page_size(scim_a):
    _people("acme", "a", 205)
    page = scim_a.get("/Users", cursor="", count=100000).doc
    assert page["itemsPerPage"] == 200 and "nextCursor" in page
    assert scim_a.get("/Users", cursor="").doc["itemsPerPage"] == 50  # defaultPageSize


def test_a_cursor_page_costs_the_same_queries_for_5_users_as_for_200(scim_a):
    people = _people("acme", "a", 420)
    team = Group.objects.create(id="grp_team", tenant_id="acme", display_name="Team")
    team.members.add(*people)

    def queries(count: int) -> int:
        cursor = scim_a.get("/Users", cursor="", count=count).doc["nextCursor"]
        with CaptureQueriesContext(connection) as ctx:
            page = scim_a.get("/Users", cursor=cursor, count=count)
        assert page.status_code == 200 and len(page.doc["Resources"]) == count
        assert all(r["groups"][0]["value"] == "grp_team" for r in page.doc["Resources"])
        assert not any("OFFSET" in q["sql"].upper() or "COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
        return len(ctx.captured_queries)

    assert queries(5) == queries(200)


def test_service_provider_config_advertises_both_methods(scim_a):
    doc = scim_a.get("/ServiceProviderConfig").doc
    assert doc["pagination"] == {"cursor": True, "index": True, "defaultPaginationMethod": "index",
                                 "defaultPageSize": 50, "maxPageSize": 200, "cursorTimeout": CURSOR_TIMEOUT}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(cursor=st.text(max_size=60) | st.from_regex(r"[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9]{0,8}\.[A-Za-z0-9_-]{0,44}"),
       count=st.text(max_size=5) | st.integers().map(str), filter_=st.sampled_from(["", 'title eq ""', "x"]))
def test_fuzzed_cursors_are_never_500(cursor, count, filter_):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {FUZZ['token']}")
    response = client.get(f"{SCIM}/Users", {"cursor": cursor, "count": count, "filter": filter_})
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    if response.status_code == 400 and response["Content-Type"].startswith(SCIM_JSON):  # a NUL: the site's plain 400
        assert json.loads(response.content)["scimType"]


FUZZ: dict = {}


@pytest.fixture(autouse=True)
def _fuzz_token(request, db):
    if "fuzzed" in request.node.name:
        FUZZ["token"] = new_token("acme", "fuzz")
        _people("acme", "f", 3)
