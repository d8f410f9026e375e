"""SCIM at identity-provider scale: a `userName` / `externalId` filter reads one tenant's index entry
(EXPLAIN), and a page of users costs the same number of queries at 5 users as at 100 (groups prefetched)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import postgres_only
from tests.directory.conftest import ScimClient, new_token

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def scim(scale_data):
    return ScimClient(new_token(scale_data["tenant"], "Okta"))


@pytest.mark.parametrize("attribute,value", [("userName", "PERSON{n}@scale-a.EXAMPLE-{g}"), ("externalId", "ext-sa-{g}")])
def test_a_filter_on_username_or_external_id_reads_the_tenants_index(scim, scale_data, attribute, value):
    from apps.core.directory import Person

    template = Person.all_objects.get(pk=f"per_{scale_data['tag']}template")
    g = 77
    wanted = value.format(n=template.user_name.split("@")[0].removeprefix("person"), g=g)
    if attribute == "userName":
        wanted = (template.user_name[:188] + f"-{g}").upper()  # admin_data's unique value, asked in capitals
    with captured_selects(TABLES) as selects:
        response = scim.get("/Users", filter=f'{attribute} eq "{wanted}"')
    assert response.status_code == 200, response.doc
    assert response.doc["totalResults"] == 1, (wanted, response.doc)
    assert selects
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=20)


def test_a_page_of_users_costs_the_same_queries_whatever_its_size(scim, scale_data):
    def queries(count: int) -> int:
        scim.get("/Users", count=count)  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = scim.get("/Users", count=count, startIndex=11)
        assert response.status_code == 200 and len(response.doc["Resources"]) == count
        assert any(r.get("groups") for r in response.doc["Resources"])  # generated people are in groups
        return len(ctx.captured_queries)

    assert queries(5) == queries(100)
