"""What the API's middleware does on every request stays cheap without changing what it records:
no setting is read that the settings module does not set (django.conf caches only the ones it
finds; a missing one raises and is looked up again on every read), and the request metrics'
labelled series are looked up once and still counted in the metric's own series."""
import pytest
from django.conf import LazySettings
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from apps.ops.request_metrics import PrometheusAfterMiddleware
from django_prometheus.middleware import Metrics
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def missing_settings(monkeypatch):
    missed: list[str] = []
    read = LazySettings.__getattr__

    def reading(self, name):
        try:
            return read(self, name)
        except AttributeError:
            missed.append(name)
            raise

    monkeypatch.setattr(LazySettings, "__getattr__", reading)
    return missed


def test_api_requests_read_only_settings_that_are_set(caller, missing_settings):
    agent = caller("acme", "per_agent", ("agent",))
    by_key = APIClient()
    by_key.credentials(HTTP_AUTHORIZATION=f"Bearer {agent_key(caller)}")
    ticket = TicketFactory(tenant_id="acme")

    def requests() -> list[int]:
        return [
            agent.get("/api/v1/helpdesk/tickets").status_code,
            agent.get(f"/api/v1/helpdesk/tickets/{ticket.pk}").status_code,
            agent.get("/api/v1/helpdesk/tickets?status=open").status_code,
            agent.get("/api/v1/helpdesk/tickets/tkt_missing").status_code,
            agent.get("/api/v1/helpdesk/tickets?nosuchfilter=1").status_code,
            agent.post("/api/v1/helpdesk/tickets", {"title": "Printer"}, format="json").status_code,
            by_key.get(f"/api/v1/helpdesk/tickets/{ticket.pk}").status_code,
        ]

    # Once to warm the process: a client's first request builds its handler, and libraries read their
    # settings once and keep them (django-filter's on the first filter form); then the steady state.
    requests()
    missing_settings.clear()
    answers = requests()
    assert answers == [200, 200, 200, 404, 400, 201, 200]
    assert missing_settings == []


def agent_key(caller) -> str:
    """A tenant-wide read key for helpdesk, made through the API by an admin."""
    admin = caller("acme", "per_admin_a", ("admin",))
    response = admin.post("/api/v1/integration/api-keys", {"name": "ci", "kind": "service", "scopes": ["helpdesk:read"],
                                                           "tenant_wide": True}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["key"]


def test_request_metrics_count_in_the_metrics_own_series(caller):
    agent = caller("acme", "per_agent", ("agent",))
    ticket = TicketFactory(tenant_id="acme")
    series = {"status": "200", "view": "ticket-detail", "method": "GET"}
    name = "django_http_responses_total_by_status_view_method_total"
    agent.get(f"/api/v1/helpdesk/tickets/{ticket.pk}")
    before = REGISTRY.get_sample_value(name, series)
    for _ in range(3):
        assert agent.get(f"/api/v1/helpdesk/tickets/{ticket.pk}").status_code == 200
    assert REGISTRY.get_sample_value(name, series) == before + 3

    metric = Metrics.get_instance().responses_by_status_view_method
    middleware = PrometheusAfterMiddleware(lambda request: None)
    child = middleware.label_metric(metric, None, None, status="200", view="ticket-detail", method="GET")
    assert child is metric.labels(status="200", view="ticket-detail", method="GET")
    assert middleware.label_metric(metric, None, None, method="GET", view="ticket-detail", status="200") is child
    assert middleware.label_metric(metric, None, None, status="404", view="ticket-detail", method="GET") is not child
    unlabelled = Metrics.get_instance().requests_body_bytes
    assert middleware.label_metric(unlabelled, None) is unlabelled
