"""Concurrent retries with one Idempotency-Key against a real server on PostgreSQL: one change, and
every answer is either that change or a 409 saying the first is still running."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from django.db import transaction

from apps.core.models import Event
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.idempotency import services
from tests.conftest import make_token, postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
RETRIES = 8


def send(url: str, token: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_simultaneous_retries_file_once(live_server):
    url, token = f"{live_server.url}/api/v1/helpdesk/tickets", make_token(sub="per_racer")
    start, answers = threading.Barrier(RETRIES), []

    def retry():
        start.wait()
        answers.append(send(url, token, "race-key", {"title": "Raced"}))

    threads = [threading.Thread(target=retry) for _ in range(RETRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == RETRIES
    assert {code for code, _ in answers} <= {201, 409}, answers
    created = {body["id"] for code, body in answers if code == 201}
    assert len(created) == 1
    assert all(body["code"] == "idempotency_key_in_use" for code, body in answers if code == 409)
    assert Ticket.objects.filter(title="Raced").count() == 1
    assert Event.objects.filter(type="helpdesk.ticket.created").count() == 1
    # Once the first has committed, every retry is its stored answer.
    assert send(url, token, "race-key", {"title": "Raced"}) == (201, next(body for code, body in answers if code == 201))


def test_a_retry_while_the_first_is_in_flight_is_a_409_and_changes_nothing(live_server):
    url, token = f"{live_server.url}/api/v1/helpdesk/tickets", make_token(sub="per_slow")
    principal = Principal(person_id="per_slow", tenant_id="acme")
    claim = services.Claim(tenant_id="acme", principal=services.principal_identity(principal), key="slow-key",
                           fingerprint="")
    with transaction.atomic():  # this test's connection plays the first request, still running
        assert services._lock(claim)
        code, body = send(url, token, "slow-key", {"title": "Slow"})
        assert code == 409 and body["code"] == "idempotency_key_in_use"
    assert not Ticket.objects.filter(title="Slow").exists()
    assert send(url, token, "slow-key", {"title": "Slow"})[0] == 201
