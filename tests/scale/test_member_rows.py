"""A member's own rows (approval inbox, my requests, my tickets, my access requests) are read through
indexes led by the tenant: the plan of every SELECT the API runs neither scans a big table nor
filters away more than a page's worth of rows, in a tenant of ROWS rows per table beside another."""
import pytest

from tests.conftest import postgres_only
from tests.bench.scale_data import person_id
from tests.conftest import Caller

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]

MEMBER_PATHS = [
    "/api/v1/approvals/steps?status=pending",  # the approver's inbox
    "/api/v1/approvals/steps",
    "/api/v1/approvals/requests",  # my requests (and those I decide)
    "/api/v1/helpdesk/tickets",  # my tickets
    "/api/v1/helpdesk/tickets?status=open",
    "/api/v1/operations/access-requests",
]


@pytest.mark.parametrize("path", MEMBER_PATHS)
def test_a_members_list_reads_their_rows_by_index(scale_data, path):
    member = Caller(tenant=scale_data["tenant"], sub=person_id(scale_data["tag"], 3))
    with captured_selects(TABLES) as selects:
        response = member.get(path)
    assert response.status_code == 200, response.content
    assert response.json()["results"], "the member has rows in the generated tenant"
    assert selects
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=200)


def test_the_inbox_lists_the_steps_the_member_decides_and_only_those(scale_data):
    """The UNION serves the same rows as the OR it replaced (the generated data's approver of step g is person 3g mod P)."""
    from apps.approvals.models import ApprovalStep
    from apps.core.principal import Principal
    from django.db.models import Q

    me = person_id(scale_data["tag"], 3)
    principal = Principal(person_id=me, tenant_id=scale_data["tenant"])
    listed = set(ApprovalStep.objects.visible_to(principal).values_list("pk", flat=True))
    expected = set(ApprovalStep.objects.filter(tenant_id=scale_data["tenant"]).filter(
        Q(approver_id=me) | Q(delegated_to_id=me) | Q(approval_request__requested_by_id=me)
        | Q(approver_group__members__id=me)).values_list("pk", flat=True))
    assert listed == expected and len(listed) > 5
