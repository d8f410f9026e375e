"""`sla_sweep` reads the due work, not the running tickets: with thousands of running tickets whose
warnings and breaches were stamped by earlier passes, an empty pass's SELECTs filter out nothing, and a
pass with three due tickets stamps those three."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.helpdesk.services import ticket_sla_sweep
from tests.conftest import postgres_only

from .conftest import TABLES
from .explain import assert_scale_free, captured_selects

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


def test_an_empty_sla_pass_reads_no_swept_ticket(scale_data):
    assert _stamp_as_swept(scale_data["tenant"]) > 3000
    with captured_selects(TABLES) as selects:
        counts = ticket_sla_sweep(now=timezone.now())
    assert set(counts.values()) == {0}
    assert len(selects) == 4  # one per pass
    for sql in selects:
        assert_scale_free(sql, TABLES, max_removed=20)


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
