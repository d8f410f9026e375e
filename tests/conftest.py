"""Shared fixtures: real JWTs, API clients per caller, database helpers."""
import time

import jwt
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient


def _serve_one_request_at_a_time_on_in_memory_sqlite() -> None:
    """The live server's request threads share the test thread's one in-memory SQLite connection (Django
    passes it as `connections_override`: there is no other copy of that database), and one sqlite3
    connection used by two requests at once mixes their statements and transactions: a page's image and
    its jsi18n request could fail each other. With a shared connection the live server answers requests
    one after another; with PostgreSQL (nothing shared) it keeps a thread per request."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer
    from django.test.testcases import LiveServerThread

    def server(*args, connections_override=None, **kwargs):
        if connections_override:
            return WSGIServer(*args, **kwargs)
        return ThreadedWSGIServer(*args, connections_override=connections_override, **kwargs)

    LiveServerThread.server_class = staticmethod(server)


_serve_one_request_at_a_time_on_in_memory_sqlite()


def make_token(*, tenant: str = "acme", sub: str = "per_alice", roles=(), ttl: int = 600, **claims) -> str:
    now = int(time.time())
    payload = {"sub": sub, "tenant_id": tenant, "roles": list(roles), "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256")


class Caller(APIClient):
    """An APIClient authenticated as one person of one tenant."""

    def __init__(self, *, tenant: str, sub: str, roles=()):
        super().__init__()
        self.tenant, self.sub, self.roles = tenant, sub, tuple(roles)
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant=tenant, sub=sub, roles=roles)}")


@pytest.fixture
def caller(db):
    """caller(tenant="acme", sub="per_x", roles=("agent",)) -> an authenticated API client."""

    def build(tenant: str = "acme", sub: str = "per_alice", roles=()) -> Caller:
        return Caller(tenant=tenant, sub=sub, roles=roles)

    return build


@pytest.fixture
def admin_a(caller):
    return caller("acme", "per_admin_a", ("admin",))


@pytest.fixture
def admin_b(caller):
    return caller("globex", "per_admin_b", ("admin",))


@pytest.fixture
def anon(db):
    return APIClient()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


postgres_only = pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"
)


@pytest.fixture(autouse=True)
def events_match_the_catalogue(request):
    """Every event any test makes the code emit is declared in the event catalogue and its payload
    validates against the declared serializer (apps/core/event_catalogue.py). Load tests that write
    synthetic outbox rows say so with `@pytest.mark.uncatalogued_events`."""
    from apps.core.event_catalogue import validation_errors
    from apps.core.events import event_emitted

    problems: list[str] = []
    if request.node.get_closest_marker("uncatalogued_events"):
        yield problems
        return

    def check(sender, *, event, **kwargs):
        problems.extend(validation_errors(event))

    event_emitted.connect(check, weak=False, dispatch_uid="tests.events_match_the_catalogue")
    yield problems
    event_emitted.disconnect(dispatch_uid="tests.events_match_the_catalogue")
    assert not problems, "\n".join(problems)


@pytest.fixture
def without_offboarding():
    """A deactivation that opens no offboarding case (apps/lifecycle): for tests of the safety nets beneath it
    (the reassignment panels, the refusal of a deactivated person's keys), which a case would otherwise clear."""
    from apps.core.events import event_emitted
    from apps.lifecycle.receivers import wire

    event_emitted.disconnect(dispatch_uid="lifecycle.reactions")
    yield
    wire()


@pytest.fixture
def scim_target():
    """A real SCIM 2.0 server (PyPI scim2-server) on 127.0.0.1, stopped after the test; see
    tests/integration/scim_target.py for its faults (scripted statuses, delay, down)."""
    from tests.integration.scim_target import ScimTarget

    with ScimTarget() as target:
        yield target
