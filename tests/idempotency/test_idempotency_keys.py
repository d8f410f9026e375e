"""Idempotency-Key on POST and PATCH (apps/idempotency): Stripe's semantics, asserted in the database."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.core.models import Event
from apps.helpdesk.models import Ticket
from apps.idempotency.models import IdempotentRequest
from tests.shapes import misfits

TICKETS = "/api/v1/helpdesk/tickets"
pytestmark = pytest.mark.django_db


def post(client, body, key, path=TICKETS):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_returns_the_stored_response_and_files_once(caller):
    alice = caller(sub="per_alice")
    first = post(alice, {"title": "Printer"}, "key-1")
    again = post(alice, {"title": "Printer"}, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Ticket.objects.filter(title="Printer").count() == 1
    assert Event.objects.filter(type="helpdesk.ticket.created").count() == 1
    assert IdempotentRequest.objects.get().headers and misfits(IdempotentRequest) == {}


def test_the_same_key_with_another_body_is_a_422_that_changes_nothing(caller):
    alice = caller(sub="per_alice")
    assert post(alice, {"title": "Printer"}, "key-2").status_code == 201
    other = post(alice, {"title": "Scanner"}, "key-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert other["Content-Type"] == "application/problem+json"
    assert not Ticket.objects.filter(title="Scanner").exists()
    # Key order and spacing are not a different body.
    assert post(alice, {"title": "Printer"}, "key-2").status_code == 201


def test_keys_belong_to_one_caller(caller):
    assert post(caller(sub="per_alice"), {"title": "Mine"}, "shared").status_code == 201
    assert post(caller(sub="per_bob"), {"title": "Mine"}, "shared").status_code == 201
    assert post(caller(tenant="globex", sub="per_alice"), {"title": "Mine"}, "shared").status_code == 201
    assert Ticket.all_objects.filter(title="Mine").count() == 3


def test_a_refused_request_is_not_stored_and_a_retry_runs_again(caller):
    alice = caller(sub="per_alice")
    bad = post(alice, {"title": ""}, "key-3")
    assert bad.status_code == 400 and not bad.has_header("Idempotent-Replayed")
    assert not IdempotentRequest.objects.exists()
    assert post(alice, {"title": ""}, "key-3").status_code == 400
    assert post(alice, {"title": "Fixed"}, "key-3").status_code == 201


def test_a_patch_is_replayed_not_applied_twice(caller):
    agent = caller(sub="per_agent", roles=("agent",))
    ticket = post(agent, {"title": "Tags"}, "create-tags").json()
    url = f"{TICKETS}/{ticket['id']}"
    first = agent.patch(url, {"priority": "high"}, format="json", HTTP_IDEMPOTENCY_KEY="patch-1")
    assert first.status_code == 200, first.json()
    updates = Event.objects.filter(entity_id=ticket["id"]).count()
    again = agent.patch(url, {"priority": "high"}, format="json", HTTP_IDEMPOTENCY_KEY="patch-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert Event.objects.filter(entity_id=ticket["id"]).count() == updates
    assert again.json() == first.json()
    # The same key on another path is another request.
    assert agent.post(f"{url}/close", {}, format="json", HTTP_IDEMPOTENCY_KEY="patch-1").status_code == 422


@pytest.mark.parametrize("key", ["", " padded", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400(caller, key):
    response = post(caller(sub="per_alice"), {"title": "Bad key"}, key)
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"
    assert not Ticket.objects.filter(title="Bad key").exists()


def test_past_the_retention_window_the_key_runs_again_and_the_scheduler_prunes_it(caller, settings):
    alice = caller(sub="per_alice")
    assert post(alice, {"title": "Old"}, "key-old").status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1))
    assert post(alice, {"title": "Old"}, "key-old").status_code == 201
    assert Ticket.objects.filter(title="Old").count() == 2
    assert post(alice, {"title": "Other"}, "key-gone").status_code == 201
    IdempotentRequest.objects.filter(key="key-gone").update(created_at=timezone.now() - timedelta(days=2))
    call_command("prune_idempotency_keys", stdout=open("/dev/null", "w"))
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["key-old"]


def test_the_scheduler_runs_the_prune():
    from apps.ops.schedule import default_jobs

    assert "prune_idempotency_keys" in {job.name for job in default_jobs()}


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/"):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_view_that_takes_post_or_patch_honours_the_key():
    missing = []
    for route, callback in _api_views(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        methods = {m.upper() for m in (getattr(callback, "actions", None) or {})} or {
            m.upper() for m in getattr(cls, "http_method_names", ()) if hasattr(cls, m)}
        if cls is not None and methods & {"POST", "PATCH"} and not getattr(cls, "idempotent_writes", False):
            missing.append(route)
    assert not missing


def test_the_schema_documents_the_header_on_every_post_and_patch():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    seen = 0
    for path, item in schema["paths"].items():
        for method in ("post", "patch"):
            if method in item and path.startswith("/api/v1/"):
                seen += 1
                names = [p.get("name") for p in item[method].get("parameters", [])]
                assert "Idempotency-Key" in names, (method, path)
                assert "422" in item[method]["responses"], (method, path)
    assert seen > 20
