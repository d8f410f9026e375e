"""Admin lists whose cost grew with the tenant: a column counted for every row of the tenant, an order no
index holds, a search whose term is in every row. In a tenant of ROWS rows per table beside another, each
page's SELECTs read about a page of rows (EXPLAIN ANALYZE: what the executed plan read), not the tenant."""
import pytest
from django.db import connection

from tests.bench.scale_data import copy, person_count, sql_id
from tests.conftest import postgres_only
from tests.factories import (
    DriftFindingFactory,
    EntitlementFactory,
    LetterTemplateFactory,
    OffboardingCaseFactory,
    StaffMembershipFactory,
)

from .conftest import OTHER, OTHER_TAG, PEOPLE_EVERY, ROWS, TENANT, TAG
from .explain import captured_selects, plan_of, rows_read, text_plan

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]

PAGE_ROWS = 500  # a page is 50 rows (and its related rows); the tenant is ROWS
LIST_TABLES = ("integration_accesssystem", "integration_entitlement", "integration_driftfinding",
               "letters_lettertemplate", "lifecycle_offboardingcase")


@pytest.fixture(scope="module")
def _admin_rows(_scale_build, django_db_blocker):
    with django_db_blocker.unblock():
        _build()
        yield
        _remove()


@pytest.fixture
def admin_rows(scale_data, _admin_rows):
    """ROWS access systems (an entitlement each), drift findings, letter templates and offboarding cases
    per scale tenant, copies of a factory row (tests/bench/scale_data.copy), VACUUM ANALYZEd."""
    return scale_data


def _build() -> None:
    from apps.integration.catalog_models import AccessSystem, Entitlement
    from apps.integration.drift_models import DriftFinding
    from apps.letters.models import LetterTemplate
    from apps.lifecycle.models import OffboardingCase

    _remove()
    for tenant, tag in ((TENANT, TAG), (OTHER, OTHER_TAG)):
        common = {"tenant": tenant, "tag": tag, "start": 1, "end": ROWS, "rows": ROWS}
        entitlement = EntitlementFactory(tenant_id=tenant)
        copy(AccessSystem, entitlement.system_id, prefix="sys", **common, overrides={"is_deleted": "false"})
        copy(Entitlement, entitlement.pk, prefix="ent", **common,
             overrides={"system_id": sql_id("sys", tag), "is_deleted": "false"})
        copy(DriftFinding, DriftFindingFactory(tenant_id=tenant).pk, prefix="drf", **common,
             overrides={"is_deleted": "false"})
        copy(LetterTemplate, LetterTemplateFactory(tenant_id=tenant).pk, prefix="ltt", **common,
             overrides={"is_deleted": "false"})
        copy(OffboardingCase, OffboardingCaseFactory(tenant_id=tenant).pk, prefix="obc", **common, overrides={
            "is_deleted": "false", "status": "(ARRAY['closed', 'stopped'])[1 + mod(g, 2)]",  # one open case a person
            "person_id": sql_id("per", tag, f"mod(g, {person_count(ROWS, PEOPLE_EVERY)}) + 1")})  # the tenant's people
    with connection.cursor() as cur:
        for table in LIST_TABLES:
            cur.execute(f'VACUUM ANALYZE "{table}"')


def _remove() -> None:
    with connection.cursor() as cur:
        for table in ("integration_driftfinding", "integration_entitlement", "integration_accesssystem",
                      "integration_connector", "letters_lettertemplate", "lifecycle_offboardingcase"):
            cur.execute(f'DELETE FROM "{table}" WHERE tenant_id IN (%s, %s)', [TENANT, OTHER])


def _page_reads_a_page(client, url: str, tables) -> None:
    """The list's own SELECT (of rows of `tables[0]`) reads at most PAGE_ROWS rows of `tables`. (A
    relation filter's choices read the latest `sample` rows by design: apps/core/admin_scale.py.)"""
    staff = StaffMembershipFactory(tenant_id=TENANT, roles=["admin"])
    client.force_login(staff.user)
    client.get(url)  # warm: the first request's lookups are not the page's
    with captured_selects(tables) as selects:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50, "a full page"
    listed = [sql for sql in selects if sql.startswith(f'SELECT "{tables[0]}".')]
    assert len(listed) == 1, selects
    for sql in listed:
        plan = plan_of(sql)
        assert rows_read(plan, tables) <= PAGE_ROWS, f"{rows_read(plan, tables)} rows read\n{sql}\n{text_plan(sql)}"


def test_the_access_systems_entitlement_count_is_counted_for_the_pages_rows(admin_rows, client):
    """The column counts each shown system's entitlements; a join with GROUP BY counted every system of
    the tenant before the page's LIMIT."""
    _page_reads_a_page(client, "/admin/integration/accesssystem/",
                       ("integration_accesssystem", "integration_entitlement"))


def test_the_entitlement_list_opens_in_an_order_its_index_holds(admin_rows, client):
    """By system, then name: the tenant's (tenant_id, system_id, name) index. Ordered by the system's
    name the list joined and sorted every entitlement of the tenant."""
    _page_reads_a_page(client, "/admin/integration/entitlement/",
                       ("integration_entitlement", "integration_accesssystem"))


# {case: (url, tables)}: the term is in every row, in the row's own column or in the name of the person
# it names ("Pat", the given name of every generated person), and in the names of more people than
# search_people lists by id (tests/bench/scale_data: the steps' approvers and the cases' leavers are
# the tenant's generated people)
SEARCHES = {
    "steps by approver id": ("/admin/approvals/approvalstep/?q=per", ("approvals_approvalstep", "core_person")),
    "steps by approver name": ("/admin/approvals/approvalstep/?q=pat", ("approvals_approvalstep", "core_person")),
    "cases by leaver id": ("/admin/lifecycle/offboardingcase/?q=per", ("lifecycle_offboardingcase", "core_person")),
    "cases by leaver name": ("/admin/lifecycle/offboardingcase/?q=pat", ("lifecycle_offboardingcase", "core_person")),
    "drift findings by account": ("/admin/integration/driftfinding/?q=account", ("integration_driftfinding",)),
    "letter templates by name": ("/admin/letters/lettertemplate/?q=employment", ("letters_lettertemplate",)),
}


@pytest.mark.parametrize("case", SEARCHES)
def test_a_search_whose_term_is_in_every_row_reads_a_page(admin_rows, client, case):
    url, tables = SEARCHES[case]
    if "core_person" in tables:
        # The matching people of a big tenant (800,000 at a million rows) are more than work_mem holds, so
        # the database cannot hash them once for the page: each row's person is found by a probe of its id,
        # or (`person_id IN (SELECT …)`) by a scan of them all. With less memory a few thousand are as many.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '64kB'")  # the test's transaction: the request and its EXPLAIN
    _page_reads_a_page(client, url, tables)


def test_the_term_names_a_crowd_of_people(admin_rows):
    """What the step and case searches above exercise: more people match than are listed by id."""
    from apps.core.admin_words import PEOPLE_LISTED, people_matching

    for term in ("per", "pat"):
        people, _members = people_matching(term, TENANT)
        assert people.count() > PEOPLE_LISTED
