"""One middleware chain: API responses keep the security headers and carry no browser state; the
admin keeps sessions and CSRF."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import make_token

URL = "/api/v1/helpdesk/tickets"
pytestmark = pytest.mark.django_db


def api_get(path: str = URL, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {make_token(roles=['admin'])}", **headers)


def test_api_responses_keep_the_security_headers_and_carry_no_browser_state():
    client = Client()
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789")
    client.force_login(user)  # a browser session cookie rides along, as from a logged-in admin
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {make_token(roles=['admin'])}")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Content-Length"] == str(len(response.content))
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_the_session_of_a_logged_in_admin_is_no_api_credential():
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789"))
    response = client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_errors_outside_drf_still_speak_problem_json():
    response = api_get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_keeps_sessions_and_csrf():
    client = Client(enforce_csrf_checks=True)
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789")
    forged = client.post("/admin/login/", {"username": "ops", "password": "pw-0123456789"})
    assert forged.status_code == 403  # no CSRF token: the full chain's CsrfViewMiddleware ran
    ok = client.post("/admin/login/", {"username": "ops", "password": "pw-0123456789",
                                       "csrfmiddlewaretoken": response.cookies["csrftoken"].value})
    assert ok.status_code == 302 and "sessionid" in ok.cookies
    assert client.get("/admin/").status_code == 200

