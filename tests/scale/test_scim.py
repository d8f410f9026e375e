"""SCIM at identity-provider scale: a `userName` / `externalId` filter is one statement without DISTINCT
that reads one tenant's index entry (EXPLAIN: the index named, no sequential scan), a page of users
costs the same number of queries at 5 users as at 100 (groups prefetched), and a cursor page (RFC 9865)
reads the tenant's `(tenant_id, id)` index from the cursor's id, with no OFFSET and no COUNT, for either
tenant (the primary key would read past the other tenant's people), or the filter's index."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import postgres_only
from tests.directory.conftest import ScimClient, new_token

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects, nodes, plan_of, text_plan

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]

INDEX = {"userName": "person_tenant_user_upper", "externalId": "person_tenant_external"}


@pytest.fixture
def scim(scale_data):
    return ScimClient(new_token(scale_data["tenant"], "Okta"))


@pytest.mark.parametrize("paging", [{}, {"cursor": ""}], ids=["index", "cursor"])
@pytest.mark.parametrize("attribute,value", [("userName", "PERSON{n}@scale-a.EXAMPLE-{g}"), ("externalId", "ext-sa-{g}")])
def test_a_filter_on_username_or_external_id_reads_the_tenants_index(scim, scale_data, attribute, value, paging):
    from apps.directory.models import Person

    template = Person.all_objects.get(pk=f"per_{scale_data['tag']}template")
    g = 77
    wanted = value.format(n=template.user_name.split("@")[0].removeprefix("person"), g=g)
    if attribute == "userName":
        wanted = (template.user_name[:188] + f"-{g}").upper()  # admin_data's unique value, asked in capitals
    with captured_selects(TABLES) as selects:
        response = scim.get("/Users", filter=f'{attribute} eq "{wanted}"', **paging)
    assert response.status_code == 200, response.doc
    assert len(response.doc["Resources"]) == 1 and response.doc.get("totalResults", 1) == 1, (wanted, response.doc)
    filters = [sql for sql in selects if "core_person.tenant_id" in sql]
    assert len(filters) == 1 and "DISTINCT" not in filters[0].upper(), selects
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=20)
    plan = plan_of(filters[0])
    scans = [n for n in nodes(plan) if n.get("Relation Name") == "core_person"]
    assert [n.get("Index Name") for n in scans] == [INDEX[attribute]], text_plan(filters[0])


def test_a_page_of_users_costs_the_same_queries_whatever_its_size(scim, scale_data):
    def queries(count: int) -> int:
        scim.get("/Users", count=count)  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = scim.get("/Users", count=count, startIndex=11)
        assert response.status_code == 200 and len(response.doc["Resources"]) == count
        assert any(r.get("groups") for r in response.doc["Resources"])  # generated people are in groups
        return len(ctx.captured_queries)

    assert queries(5) == queries(100)


@pytest.mark.parametrize("tenant", ["tenant", "other"])
@pytest.mark.parametrize("deep", [False, True])
def test_a_cursor_page_reads_the_tenants_id_index_from_the_cursor(scale_data, tenant, deep):
    scim = ScimClient(new_token(scale_data[tenant], "Okta"))
    params = {}
    cursor = ""
    if deep:  # a page deep in the tenant
        cursor = scim.get("/Users", cursor="", count=200, **params).doc["nextCursor"]
        cursor = scim.get("/Users", cursor=cursor, count=200, **params).doc["nextCursor"]
    with captured_selects(TABLES) as selects:
        response = scim.get("/Users", cursor=cursor, count=100, **params)
    assert response.status_code == 200 and len(response.doc["Resources"]) == 100, response.doc
    assert "nextCursor" in response.doc and "totalResults" not in response.doc
    assert len(selects) == 1, selects  # the page's rows (one more, to know a next page exists); groups prefetched
    sql = selects[0]
    assert "OFFSET" not in sql.upper() and "COUNT(" not in sql.upper() and "LIMIT 101" in sql.upper(), sql
    plan = assert_scale_free(sql, TABLES, max_removed=20)
    scans = [n for n in nodes(plan) if n.get("Relation Name") == "core_person"]
    assert [n.get("Index Name") for n in scans] == ["person_tenant_page"], text_plan(sql)
    assert not any(n["Node Type"] == "Sort" for n in nodes(plan)), text_plan(sql)  # read in id order, not sorted


def test_a_cursor_page_costs_the_same_queries_whatever_its_size(scim, scale_data):
    def queries(count: int) -> int:
        cursor = scim.get("/Users", cursor="", count=count).doc["nextCursor"]
        with CaptureQueriesContext(connection) as ctx:
            response = scim.get("/Users", cursor=cursor, count=count)
        assert response.status_code == 200 and len(response.doc["Resources"]) == count
        assert any(r.get("groups") for r in response.doc["Resources"])
        return len(ctx.captured_queries)

    assert queries(5) == queries(200)


@pytest.mark.parametrize("tenant", ["tenant", "other"])
@pytest.mark.parametrize("start", [1, 2001])
def test_an_index_page_reads_the_tenants_id_index(scale_data, tenant, start):
    """`startIndex` pages (Okta's and Entra's) read the tenant's own index entries, for either tenant: never
    the primary key past another tenant's people. A first page reads the `(tenant_id, id)` index in order; a
    deep one may instead sort the tenant's rows (its OFFSET reads that far into the tenant anyway); the
    count reads the tenant's entries."""
    scim = ScimClient(new_token(scale_data[tenant], "Okta"))
    with captured_selects(TABLES) as selects:
        response = scim.get("/Users", startIndex=start, count=100)
    assert response.status_code == 200 and len(response.doc["Resources"]) == 100, response.doc
    page = [sql for sql in selects if "LIMIT" in sql.upper()]
    assert len(page) == 1, selects
    for sql in selects:
        plan = assert_scale_free(sql, TABLES, max_removed=20)
        assert not any(n.get("Index Name") == "core_person_pkey" for n in nodes(plan)), text_plan(sql)
    plan = plan_of(page[0])
    scans = [n.get("Index Name") or "" for n in nodes(plan) if n.get("Relation Name") == "core_person"]
    if start == 1:
        assert scans == ["person_tenant_page"], text_plan(page[0])
    else:
        assert len(scans) == 1 and scans[0].startswith(("person_tenant_page", "core_person_tenant_id")), text_plan(page[0])
