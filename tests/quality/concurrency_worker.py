"""One OS process of the concurrency tests: `python -m tests.quality.concurrency_worker SCENARIO ID...`.

Waits for a line on stdin so all workers start together, runs the scenario through the
service layer (as the API does) and prints one JSON line with what it won."""
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from apps.helpdesk.actions import ticket_close  # noqa: E402
from apps.approvals.models import ApprovalStep  # noqa: E402
from apps.approvals.services import approval_step_approve, approval_step_reject  # noqa: E402
from apps.core import services as core  # noqa: E402
from apps.core.exceptions import DomainError  # noqa: E402
from apps.core.principal import Principal  # noqa: E402
from apps.helpdesk.models import Ticket  # noqa: E402
from apps.helpdesk.services import ticket_create, ticket_update  # noqa: E402

WORKER = int(os.environ.get("WORKER", "0"))
AGENT = Principal(person_id=f"per_agent_{WORKER}", tenant_id="acme", roles=frozenset({"agent"}))


def create_tickets(count: str) -> dict:
    numbers = [ticket_create(actor=AGENT, data={"title": f"race {WORKER}"}).number for _ in range(int(count))]
    return {"numbers": numbers}


def close_tickets(*ids: str) -> dict:
    won = []
    for pk in ids:
        try:
            ticket_close(actor=AGENT, ticket=Ticket.objects.get(pk=pk))
            won.append(pk)
        except DomainError:
            pass
    return {"won": won}


def tag_ticket(pk: str, count: str) -> dict:
    """Read-modify-write with If-Match, retrying on 412: no update may be lost."""
    retries = 0
    for i in range(int(count)):
        while True:
            ticket = Ticket.objects.get(pk=pk)
            try:
                ticket_update(actor=AGENT, obj=ticket, data={"tags": [*ticket.tags, f"w{WORKER}-{i}"]},
                              if_match=core.etag_of(ticket))
                break
            except DomainError:
                retries += 1
    return {"retries": retries}


def decide_steps(person: str, *ids: str) -> dict:
    approver = Principal(person_id=person, tenant_id="acme", roles=frozenset({"approver"}))
    decide = approval_step_approve if WORKER % 2 else approval_step_reject
    won = []
    for pk in ids:
        try:
            decide(actor=approver, approval_step=ApprovalStep.objects.get(pk=pk), comment=f"worker {WORKER}")
            won.append(pk)
        except DomainError:
            pass
    return {"won": won, "decision": decide.__name__}


if __name__ == "__main__":
    scenario, *args = sys.argv[1:]
    sys.stdin.readline()
    print(json.dumps(globals()[scenario](*args)))
