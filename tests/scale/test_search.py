"""Search reads the rows that hold the term (pg_trgm GIN indexes on `upper(col)`), not every row of
every tenant: the API's `?search=` and the admin's `?q=`, in a tenant of ROWS tickets beside another."""
import pytest
from django.db import connection

from tests.conftest import postgres_only
from tests.conftest import Caller
from tests.factories import StaffMembershipFactory, TicketFactory

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects, growth, plan_of, text_plan

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def zebrafish(scale_data):
    """Five tickets of the big tenant and three of the other naming a rare word."""
    mine = [TicketFactory(tenant_id=scale_data["tenant"], title=f"Zebrafish tank {i} leaks") for i in range(5)]
    for i in range(3):
        TicketFactory(tenant_id=scale_data["other"], description=f"the zebrafish lab, bench {i}")
    return mine


def test_the_apis_search_is_served_by_the_trigram_indexes(scale_data, zebrafish):
    agent = Caller(tenant=scale_data["tenant"], sub="per_agent", roles=("agent",))
    with captured_selects(TABLES) as selects:
        response = agent.get("/api/v1/helpdesk/tickets?search=zebrafish")
    assert response.status_code == 200
    assert {t["id"] for t in response.json()["results"]} == {t.pk for t in zebrafish}
    for sql in selects:
        plan = assert_scale_free(sql, TABLES, max_removed=50)
        if "ZEBRAFISH" in sql.upper():
            assert "trgm" in str(plan), text_plan(sql)


def test_the_admins_search_is_served_by_the_indexes_and_runs_once(scale_data, zebrafish, client):
    staff = StaffMembershipFactory(tenant_id=scale_data["tenant"], roles=["admin"])
    client.force_login(staff.user)
    with captured_selects(TABLES) as selects:
        response = client.get("/admin/helpdesk/ticket/?q=zebrafish")
    assert response.status_code == 200
    assert all(t.number in response.content.decode() for t in zebrafish)
    searched = [sql for sql in selects if "ZEBRAFISH" in sql.upper() and '"helpdesk_ticket"' in sql]
    assert len(searched) == 1, searched  # the page; no date-hierarchy MIN/MAX over the search
    # The directory lookup ("the rows naming a person called …") is left to the planner here: at 3,000
    # people a tenant it reads the tenant's people by index rather than five trigram indexes (cheaper at
    # this size); the tickets' own search must be index-served.
    for sql in selects:
        assert_scale_free(sql, [t for t in TABLES if t != "core_person"], max_removed=50)


def test_every_searched_column_of_the_big_tables_has_a_trigram_index(db):
    from django.contrib import admin

    from apps.approvals.models import ApprovalRequest
    from apps.core.api.filters import text_fields
    from apps.directory.models import Person
    from apps.helpdesk.models import Ticket
    from apps.integration.drift_models import DriftFinding
    from apps.letters.models import LetterTemplate
    from apps.operations.models import AccessRequest

    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        indexed = cur.fetchall()
    missing = []
    for model in (Ticket, ApprovalRequest, AccessRequest, Person, DriftFinding, LetterTemplate):
        searched = [*text_fields(model), *(f for f in admin.site._registry[model].search_fields if "__" not in f)]
        for name in dict.fromkeys(searched):
            column = model._meta.get_field(name).column
            if not any(t == model._meta.db_table and (f"upper(({column})::text)" in d or f"upper({column})" in d)
                       for t, d in indexed):
                missing.append(f"{model._meta.db_table}.{column}")
    assert not missing, missing


def test_a_prepared_search_is_planned_with_its_term_and_served_by_the_trigram_indexes(scale_data, zebrafish):
    """psycopg prepares a statement from its fifth run on a connection (DATABASE_PREPARE_THRESHOLD) and
    PostgreSQL would plan it generically from then on, blind to the `%zebrafish%` value: the connection's
    plan_cache_mode (force_custom_plan) plans every run of the prepared search with its term."""
    agent = Caller(tenant=scale_data["tenant"], sub="per_agent", roles=("agent",))
    seen: list[tuple[str, tuple]] = []

    def remember(execute, sql, params, many, context):
        if "LIKE" in sql and '"helpdesk_ticket"' in sql and "ZEBRAFISH" in str(params).upper():
            seen.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(remember):
        for _ in range(12):
            assert agent.get("/api/v1/helpdesk/tickets?search=zebrafish").status_code == 200
    assert seen
    searches = {sql for sql, _ in seen}
    with connection.cursor() as cur:
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone()[0] == "force_custom_plan"
        cur.execute("SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE %s", ["%LIKE%"])
        prepared = [row for row in cur.fetchall() if '"helpdesk_ticket"' in row[1] and "UPPER" in row[1]]
    assert prepared, "the search was never prepared"
    name, statement, generic_plans, custom_plans = max(prepared, key=lambda row: row[3])
    assert generic_plans == 0 and custom_plans >= 6, (generic_plans, custom_plans, statement)
    params = next(p for sql, p in seen if sql in searches)
    execute = f"EXECUTE {name}({', '.join(map(quoted, params))})"  # a utility statement takes no parameters
    plan = assert_scale_free(execute, TABLES, max_removed=50)
    assert "trgm" in str(plan), text_plan(execute)
    with connection.cursor() as cur:  # the same statement planned generically: the tenant read by its index
        cur.execute("SET plan_cache_mode = force_generic_plan")
        try:
            generic = plan_of(execute)
        finally:
            cur.execute("SET plan_cache_mode = force_custom_plan")
    assert "trgm" not in str(generic) and growth(generic, TABLES, max_removed=50)  # what the setting prevents


def quoted(value) -> str:
    from psycopg import sql

    return sql.Literal(value).as_string(connection.connection)
