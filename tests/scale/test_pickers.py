"""The admin's row pickers (apps/core/admin_row_picker.py: a page of the rows whose name holds the term, or
whose id it is) read about a page of rows for a rare term, not the tenant: the reply box's canned-reply
picker and the access system's connector picker, in a tenant of ROWS canned replies and ROWS connectors
beside another as big (EXPLAIN ANALYZE of the picker's own SELECT)."""
import pytest
from django.db import connection

from tests.bench.scale_data import copy
from tests.conftest import postgres_only
from tests.factories import CannedReplyFactory, ConnectorFactory, StaffMembershipFactory

from .conftest import OTHER, OTHER_TAG, ROWS, TAG, TENANT
from .explain import captured_selects, plan_of, rows_read, text_plan

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]

PICKER_TABLES = ("helpdesk_cannedreply", "integration_connector")
RARE = 3  # rows per tenant whose name holds the rare word
PAGE_ROWS = 50  # a page is admin_people.PAGE rows and one more; the tenant is ROWS
# every name distinct (canned replies' are unique in a tenant); a few hold "Zebrafish"
NAME = f"CASE WHEN g <= {RARE} THEN 'Zebrafish {{kind}} ' || g ELSE 'Standard {{kind}} ' || g END"


@pytest.fixture(scope="module")
def _picker_rows(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _build()
        yield
        _remove()


def _build() -> None:
    from apps.helpdesk.models import CannedReply
    from apps.integration.models import Connector

    _remove()
    for tenant, tag in ((TENANT, TAG), (OTHER, OTHER_TAG)):
        common = {"tenant": tenant, "tag": tag, "start": 1, "end": ROWS, "rows": ROWS}
        copy(CannedReply, CannedReplyFactory(tenant_id=tenant).pk, prefix="cnr", **common,
             overrides={"is_deleted": "false", "active": "true", "name": NAME.format(kind="reply")})
        copy(Connector, ConnectorFactory(tenant_id=tenant).pk, prefix="con", **common,
             overrides={"is_deleted": "false", "name": NAME.format(kind="connector")})
    with connection.cursor() as cur:
        for table in PICKER_TABLES:
            cur.execute(f'VACUUM ANALYZE "{table}"')  # statistics, and the trigram indexes' pending entries merged


def _remove() -> None:
    with connection.cursor() as cur:
        for table in (*PICKER_TABLES, "helpdesk_historicalcannedreply", "integration_historicalconnector",
                      "core_event"):
            cur.execute(f'DELETE FROM "{table}" WHERE tenant_id IN (%s, %s)', [TENANT, OTHER])


def _picker_reads_a_page(client, url: str, roles: list[str], table: str) -> None:
    staff = StaffMembershipFactory(tenant_id=TENANT, roles=roles)
    client.force_login(staff.user)
    with captured_selects([table]) as selects:
        response = client.get(url, {"term": "zebrafish"})
    assert response.status_code == 200
    found = [row["text"] for row in response.json()["results"]]
    assert len(found) == RARE and all("Zebrafish" in text for text in found), found  # this tenant's only
    listed = [sql for sql in selects if "ZEBRAFISH" in sql.upper()]
    assert len(listed) == 1, selects
    plan = plan_of(listed[0])
    assert rows_read(plan, [table]) <= PAGE_ROWS, f"{rows_read(plan, [table])} rows read\n{text_plan(listed[0])}"


def test_the_canned_reply_picker_reads_a_page(_picker_rows, client):
    _picker_reads_a_page(client, "/admin/helpdesk/ticket/canned-replies/", ["agent"], "helpdesk_cannedreply")


def test_the_connector_picker_reads_a_page(_picker_rows, client):
    _picker_reads_a_page(client, "/admin/integration/accesssystem/connectors/autocomplete/", ["admin"],
                         "integration_connector")
