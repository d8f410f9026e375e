"""Scale checks on PostgreSQL: a tenant of a few thousand rows per table beside another as big, ANALYZEd,
and the plans of the real requests' SQL read with EXPLAIN ANALYZE (tests/scale/explain.py).

The data (tests/bench/scale_data.py, the builder `make bench`'s scale section uses at 10k and 1M rows) is
committed once per test module, VACUUM ANALYZEd (statistics, and the trigram indexes' pending entries
merged) so the planner sees real statistics, and removed at the end."""
import pytest
from django.db import connection


ROWS = 15000  # rows per table per tenant: enough that the planner prefers an index (a trigram one too) to the tenant
PEOPLE_EVERY = 5  # more people than the bench's 1 in 20, so the directory is a big table here too
TENANT, TAG = "scale-a", "sa"
OTHER, OTHER_TAG = "scale-b", "sb"

# the test modules skip on SQLite (postgres_only); the data fixture too

# core_group is not one: a group per 50 people (60 at 15,000 rows), a scan of it costs nothing
TABLES = ("core_person", "helpdesk_ticket", "approvals_approvalrequest", "approvals_approvalstep",
          "operations_accessrequest")


@pytest.fixture(scope="module")  # removed after each module: the other suites run on the same database
def _scale_build(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with django_db_blocker.unblock():
        _build()
        yield
        _remove()


@pytest.fixture
def scale_data(_scale_build, django_db_blocker):
    """{tenant: ..., other: ..., rows: ...}: two tenants of ROWS rows per table, committed, VACUUM ANALYZEd.
    Built once per module; built again if a transactional test's flush emptied the database
    meanwhile. Nothing in them is due (no SLA clock, approval or grant): the other suites' sweeps see
    no work of theirs."""
    with django_db_blocker.unblock():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM helpdesk_ticket WHERE tenant_id = %s", [TENANT])
            if cur.fetchone()[0] < ROWS:
                _build()
    return {"tenant": TENANT, "tag": TAG, "other": OTHER, "rows": ROWS}


def _build() -> None:
    from tests.bench.scale_data import analyze, build_tenant

    _remove()
    for tenant, tag in ((TENANT, TAG), (OTHER, OTHER_TAG)):
        build_tenant(tenant, tag, ROWS, people_every=PEOPLE_EVERY)
    analyze(vacuum=True)


def _remove() -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_group_members WHERE group_id IN (SELECT id FROM core_group WHERE tenant_id IN (%s, %s))",
                    [TENANT, OTHER])
        for table in (*reversed(TABLES), "core_group"):
            cur.execute(f'DELETE FROM "{table}" WHERE tenant_id IN (%s, %s)', [TENANT, OTHER])
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '%%historical%%'")
        for (table,) in cur.fetchall():
            cur.execute(f'DELETE FROM "{table}" WHERE tenant_id IN (%s, %s)', [TENANT, OTHER])
        cur.execute("DELETE FROM core_event WHERE tenant_id IN (%s, %s)", [TENANT, OTHER])
        cur.execute("DELETE FROM core_tenant WHERE id IN (%s, %s)", [TENANT, OTHER])
