"""The JSON-only negotiation shortcut answers like DRF's negotiation for every Accept header."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accept, status", [
    (None, 200), ("*/*", 200), ("application/json", 200), ("application/json; charset=utf-8", 200),
    ("text/html,application/xhtml+xml,*/*;q=0.8", 200), ("text/html", 406), ("application/xml", 406),
])
def test_accept_headers(admin_a, accept, status):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    resp = admin_a.get("/api/v1/helpdesk/tickets", **headers)
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith("application/problem+json" if status >= 400 else "application/json")


def test_a_format_override_still_goes_through_drf(admin_a):
    assert admin_a.get("/api/v1/helpdesk/tickets?format=xml").status_code in (404, 406)
    assert admin_a.get("/api/v1/helpdesk/tickets?format=json").status_code == 200
