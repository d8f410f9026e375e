"""`sla_sweep` reads the due work, not the running tickets: with thousands of running tickets whose
warnings and breaches were stamped by earlier passes, an empty pass's SELECTs filter out nothing, and a
pass with three due tickets stamps those three."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.helpdesk.services import ticket_sla_sweep
from tests.conftest import postgres_only

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects, nodes

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]


def _stamp_as_swept(tenant: str) -> int:
    """Running tickets past every deadline and already warned and breached (a steady state)."""
    with connection.cursor() as cur:
        cur.execute("""UPDATE helpdesk_ticket SET first_response_warn_at = now() - interval '3 days',
                       first_response_due_at = now() - interval '2 days', resolution_warn_at = now() - interval '3 days',
                       due_at = now() - interval '2 days', first_response_warned_at = now() - interval '1 day',
                       first_response_breached_at = now() - interval '1 day', resolution_warned_at = now() - interval '1 day',
                       resolution_breached_at = now() - interval '1 day'
                       WHERE tenant_id = %s AND status IN ('new', 'open')""", [tenant])
        stamped = cur.rowcount
        cur.execute('ANALYZE "helpdesk_ticket"')
    return stamped


def test_an_empty_sla_pass_is_one_probe_that_reads_no_swept_ticket(scale_data):
    """Nothing due: one statement (the earliest due time per pass, each read from its pass's partial
    index), no transaction, no row lock; its plan scans no table and throws no row away. The open tickets
    were answered in time: past their first-response deadline, never breached, and not read either."""
    assert _stamp_as_swept(scale_data["tenant"]) > 3000
    with connection.cursor() as cur:
        cur.execute("""UPDATE helpdesk_ticket SET first_response_breached_at = NULL,
                       first_response_at = first_response_due_at - interval '1 hour'
                       WHERE tenant_id = %s AND status = 'open'""", [scale_data["tenant"]])
        assert cur.rowcount > 1000
        cur.execute('ANALYZE "helpdesk_ticket"')
    with CaptureQueriesContext(connection) as ctx, captured_selects(TABLES) as selects:
        counts = ticket_sla_sweep(now=timezone.now())
    assert set(counts.values()) == {0}
    assert len(ctx.captured_queries) == 1 and len(selects) == 1
    assert "FOR UPDATE" not in selects[0] and selects[0].count("MIN(") == 4
    plan = assert_scale_free(selects[0], TABLES, max_removed=0)
    scans = [n for n in nodes(plan) if n.get("Relation Name") == "helpdesk_ticket"]
    assert len(scans) == 4 and all(n["Node Type"] in ("Index Scan", "Index Only Scan") for n in scans), scans
    assert {n["Index Name"] for n in scans} == {"tkt_sweep_fr_warn", "tkt_sweep_fr_breach", "tkt_sweep_res_warn",
                                                 "tkt_sweep_res_breach"}


def test_a_pass_stamps_the_due_tickets_only(scale_data):
    from apps.helpdesk.models import Ticket

    _stamp_as_swept(scale_data["tenant"])
    now = timezone.now()
    due = list(Ticket.objects.filter(tenant_id=scale_data["tenant"], status="open").values_list("pk", flat=True)[:3])
    Ticket.objects.filter(pk__in=due).update(resolution_warned_at=None, resolution_warn_at=now - timedelta(hours=1),
                                             due_at=now + timedelta(hours=1))
    counts = ticket_sla_sweep(now=now)
    assert counts["resolution_warning"] == 3 and counts["resolution_breached"] == 0
    assert set(Ticket.objects.filter(resolution_warned_at=now).values_list("pk", flat=True)) == set(due)


def test_expire_access_reads_the_due_grants_in_batches_and_keeps_a_count(scale_data):
    """40 grants of the generated tenant are past their expiry: a batch of 15 reads 15 due rows at a time
    on the (status, expires_at) index and the pass returns a number, not the grants."""
    from apps.operations.models import AccessRequest
    from apps.operations.services import expire_access

    tenant = scale_data["tenant"]
    provisioned = AccessRequest.objects.filter(tenant_id=tenant, status="provisioned")
    AccessRequest.objects.filter(pk__in=list(provisioned.values_list("pk", flat=True)[:40])).update(
        expires_at=timezone.now() - timedelta(days=1))
    with connection.cursor() as cur:
        cur.execute('ANALYZE "operations_accessrequest"')
    assert provisioned.filter(expires_at__lte=timezone.now()).count() == 40
    with captured_selects(["operations_accessrequest"]) as selects:
        expired = expire_access(batch_size=15)
    assert expired >= 40 and isinstance(expired, int)
    assert not AccessRequest.objects.filter(tenant_id=tenant, status="provisioned", expires_at__lte=timezone.now()).exists()
    keyset = [sql for sql in selects if "ORDER BY" in sql and "expires_at" in sql]
    assert len(keyset) >= 4  # 15 + 15 + 10, then the empty read
    for sql in keyset:
        assert_scale_free(sql, TABLES, max_removed=20)


def _approvals_due(tenant: str, *, overdue: int = 0, due_soon: int = 0) -> tuple[list[str], list[str]]:
    """Pending requests of the generated tenant made overdue, and others due within the hour."""
    from apps.approvals.models import ApprovalRequest

    pending = list(ApprovalRequest.objects.filter(tenant_id=tenant, status="pending").order_by("pk")
                   .values_list("pk", flat=True)[:overdue + due_soon])
    now = timezone.now()
    ApprovalRequest.objects.filter(pk__in=pending[:overdue]).update(due_at=now - timedelta(hours=1))
    ApprovalRequest.objects.filter(pk__in=pending[overdue:]).update(due_at=now + timedelta(minutes=30))
    with connection.cursor() as cur:
        cur.execute('ANALYZE "approvals_approvalrequest"')
    return pending[:overdue], pending[overdue:]


def test_an_empty_approvals_sweep_reads_no_pending_request(scale_data):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with captured_selects(TABLES) as selects:
        call_command("approvals_sweep", "--remind-within", "240", stdout=out)
    assert "expired 0" in out.getvalue() and "reminded 0" in out.getvalue()
    assert len(selects) == 2  # one read per pass
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=0)


def test_the_approvals_sweep_works_in_keyset_batches_and_keeps_counts(scale_data):
    from apps.approvals.models import ApprovalRequest
    from apps.approvals.services import approval_requests_expire_overdue, remind_due

    overdue, soon = _approvals_due(scale_data["tenant"], overdue=45, due_soon=25)
    with captured_selects(["approvals_approvalrequest"]) as selects:
        expired = approval_requests_expire_overdue(batch_size=20)
    assert expired == 45 and isinstance(expired, int)
    assert set(ApprovalRequest.objects.filter(pk__in=overdue).values_list("status", flat=True)) == {"expired"}
    keyset = [sql for sql in selects if "ORDER BY" in sql and "LIMIT 20" in sql]
    assert len(keyset) == 4  # 20 + 20 + 5, then the empty read
    for sql in keyset:
        assert_scale_free(sql, TABLES, max_removed=20)

    with CaptureQueriesContext(connection) as ctx:
        reminded = remind_due(within=timedelta(hours=1), batch_size=10)
    assert reminded == 25
    assert ApprovalRequest.objects.filter(pk__in=soon, reminded_at__isnull=False).count() == 25
    stamps = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "approvals_approvalrequest"')]
    assert len(stamps) == 3  # one UPDATE per batch of 10, not one per request
    assert remind_due(within=timedelta(hours=1), batch_size=10) == 0  # once
