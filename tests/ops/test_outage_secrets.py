"""Outages fail closed and quiet: with Redis down an API-key call is answered (its rate limit counted
in the database, or skipped by setting), never a 500; and no log line or Sentry event of a failing
request carries a credential the test made (`sk-`, `whsec_`, `scim_`, a bearer JWT, a session cookie)."""
import gzip
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.integration.models import IntegrationApiKey, RateLimitCounter
from tests.conftest import make_token

pytestmark = pytest.mark.django_db
SECRETS = {
    "api_key": "sk-Zq9vT3kLm2Xp8RwYb4Nc6Hd1Fg7Js5Ae0Uo",
    "webhook": "whsec_MfT2b9QkXz3LpV8wRn6YcJ4Hs1Ga7Ud0",
    "scim": "scim_Tk8Vn2Qp5Xw9Lm3Rb7Yc1Hd6Fg4Js0Ae",
    "session": "s3ss10nv4lu3qw3rty8u1o2p3a4s5d6f7g",
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}


def rendered(caplog) -> str:
    formatter = logging.getLogger().handlers[0].formatter
    return "\n".join(formatter.format(record) for record in caplog.records)


def make_key(admin_a, rpm: int) -> str:
    created = admin_a.post("/api/v1/integration/api-keys", {"name": "ci", "kind": "service", "tenant_wide": True,
                                                            "scopes": ["helpdesk:read"], "rpm_limit": rpm}, format="json")
    assert created.status_code == 201, created.content
    return created.json()["key"]


def key_call(raw: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/helpdesk/tickets").status_code


def test_redis_down_api_keys_are_counted_in_the_database(admin_a, redis_down, caplog):
    raw = make_key(admin_a, rpm=2)
    with caplog.at_level(logging.INFO):
        assert [key_call(raw) for _ in range(4)] == [200, 200, 429, 429]
    key = IntegrationApiKey.objects.get()
    assert RateLimitCounter.objects.get(key_id=key.pk).count >= 2  # a refused call's count rolls back with it
    text = rendered(caplog)
    assert "rate_limit_cache_unavailable" in text and raw not in text and raw[3:] not in text


def test_redis_down_rate_limits_may_be_skipped_by_setting(admin_a, redis_down, settings):
    settings.RATE_LIMIT_CACHE_FAILURE = "skip"
    raw = make_key(admin_a, rpm=2)
    assert [key_call(raw) for _ in range(3)] == [200, 200, 200]
    assert not RateLimitCounter.objects.exists()


def test_redis_down_a_jwt_with_a_client_id_is_answered(redis_down):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(sub='per_x', roles=['agent'], client_id='portal')}")
    assert client.get("/api/v1/helpdesk/tickets").status_code == 200


def failing_request(client: Client, jwt: str):
    client.cookies["sessionid"] = SECRETS["session"]
    return client.post("/explode/", json.dumps({"signing": SECRETS["webhook"], "scim": SECRETS["scim"]}),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {jwt}",
                       HTTP_X_API_KEY=SECRETS["api_key"])


def test_a_failing_requests_log_lines_carry_no_secret(settings, caplog):
    settings.ROOT_URLCONF = "tests.ops.failing_site"
    jwt = make_token(sub="per_x")
    with caplog.at_level(logging.INFO):
        response = failing_request(Client(raise_request_exception=False), jwt)
    assert response.status_code == 500
    text = rendered(caplog)
    assert "upstream refused" in text and "signing_secret" in text  # the message and the frame's locals are there
    for secret in [*SECRETS.values(), jwt]:
        assert secret not in text, secret
    assert jwt.split(".")[1] not in text


class Collector:
    """A Sentry ingestion endpoint on 127.0.0.1 that keeps what it is sent."""

    def __init__(self):
        self.bodies: list[bytes] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # the SDK prefers brotli where the package is installed
                    import brotli

                    body = brotli.decompress(body)
                collector.bodies.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_failing_requests_sentry_event_carries_no_secret(settings):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from apps.ops.scrub import sentry_before_breadcrumb, sentry_before_send

    settings.ROOT_URLCONF = "tests.ops.failing_site"
    collector = Collector()
    sentry_sdk.init(dsn=f"http://publickey@127.0.0.1:{collector.port}/1", integrations=[DjangoIntegration()],
                    include_local_variables=True, before_send=sentry_before_send,
                    before_breadcrumb=sentry_before_breadcrumb, transport_queue_size=10)
    try:
        logging.getLogger("apps.test").warning("about to call with %s", SECRETS["api_key"])  # a breadcrumb
        jwt = make_token(sub="per_x")
        assert failing_request(Client(raise_request_exception=False), jwt).status_code == 500
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.init(dsn=None)
        collector.close()
    sent = b"\n".join(collector.bodies).decode()
    assert "upstream refused" in sent and "signing_secret" in sent and "breadcrumbs" in sent
    for secret in [*SECRETS.values(), jwt]:
        assert secret not in sent, secret
