"""Several OS processes (not threads) hammering the same rows on PostgreSQL: no duplicate
ticket number, one winner per transition and per approval decision, no lost update."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit
from apps.core.models import Event
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.helpdesk.services import ticket_create
from tests.conftest import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
PROCESSES = 4
REQUESTER = Principal(person_id="per_requester", tenant_id="acme")


def run_workers(scenario: str, *args: str, processes: int = PROCESSES) -> list[dict]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "SECRET_KEY": settings.SECRET_KEY}
    workers = [subprocess.Popen([sys.executable, "-m", "tests.quality.concurrency_worker", scenario, *args],
                                env={**env, "WORKER": str(i)}, cwd=settings.BASE_DIR, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(processes)]
    for worker in workers:  # start together
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_ticket_numbers_are_unique_and_gapless_across_processes():
    results = run_workers("create_tickets", "25")
    numbers = [n for r in results for n in r["numbers"]]
    assert len(numbers) == len(set(numbers)) == 100
    assert sorted(numbers) == [f"TKT-{i:04d}" for i in range(1, 101)]


def test_each_transition_has_exactly_one_winner():
    ids = [ticket_create(actor=REQUESTER, data={"title": f"t{i}"}).pk for i in range(20)]
    results = run_workers("close_tickets", *ids)
    winners = [pk for r in results for pk in r["won"]]
    assert sorted(winners) == sorted(ids)  # every ticket closed once, by exactly one process
    assert Event.objects.filter(type="helpdesk.ticket.closed").count() == 20
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}


def test_no_update_is_lost_under_if_match():
    ticket = ticket_create(actor=REQUESTER, data={"title": "shared"})
    run_workers("tag_ticket", ticket.pk, "10")
    ticket.refresh_from_db()
    assert len(ticket.tags) == len(set(ticket.tags)) == PROCESSES * 10


def test_an_approval_step_is_decided_once():
    step_ids = []
    for i in range(10):
        request = approval_request_create(actor=REQUESTER, data={
            "title": f"laptop {i}", "approver_ids": ["per_boss"]})  # free-form: nothing else decides it
        approval_request_submit(actor=REQUESTER, approval_request=request)
        step_ids.append(ApprovalStep.objects.get(approval_request=request).pk)
    results = run_workers("decide_steps", "per_boss", *step_ids)
    winners = [pk for r in results for pk in r["won"]]
    assert sorted(winners) == sorted(step_ids)
    for result in results:
        expected = "approved" if result["decision"] == "approval_step_approve" else "rejected"
        for pk in result["won"]:
            step = ApprovalStep.objects.get(pk=pk)
            assert step.status == expected
            assert ApprovalRequest.objects.get(pk=step.approval_request_id).status == expected
    decided = Event.objects.filter(type__in=["approvals.step.approved", "approvals.step.rejected"]).count()
    assert decided == 10
