"""Secure by default (issue 13, item 8): DEBUG off unless set, no start without secrets of its
own, HTTPS cookies and HSTS, a Content-Security-Policy, `check --deploy` clean.

Production mode is imported in subprocesses with an environment of their own (the test run itself
is in DEBUG: see [tool.pytest_env] in pyproject.toml)."""
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from apps.helpdesk.models import Ticket

PRODUCTION = {
    "SECRET_KEY": "prod-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "JWT_SECRET": "prod-like-jwt-secret-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "backoffice.example.com,testserver",
}
SETTINGS_NAMES = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
                  "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
                  "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
                  "SECURE_PROXY_SSL_HEADER", "JWT_SECRET", "SECRET_KEY"]
PROBE = f"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
docs = client.get("/api/v1/docs", secure=True)
plain = client.get("/api/v1/docs")
behind_proxy = client.get("/api/v1/docs", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({{
    "settings": {{name: getattr(settings, name) for name in {SETTINGS_NAMES!r}}},
    "docs": [docs.status_code, dict(docs.headers)],
    "plain": [plain.status_code, plain.get("Location")],
    "behind_proxy": behind_proxy.status_code,
    "healthz": client.get("/healthz").status_code,
}}))
"""


def run(code_or_args, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DEBUG", "SECRET_KEY", "JWT_SECRET", "JWT_PUBLIC_KEY", "DATABASE_URL", "REDIS_URL",
                            "DJANGO_ALLOW_ASYNC_UNSAFE")}  # the browser tests set this one for their process
    environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "sqlite://:memory:", **env})
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    return subprocess.run(args, env=environ, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)


def probe(**env) -> dict:
    result = run(PROBE, **env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production() -> dict:
    return probe(**PRODUCTION)


def test_debug_is_off_unless_set(production):
    assert production["settings"]["DEBUG"] is False
    assert probe(**PRODUCTION, DEBUG="true")["settings"]["DEBUG"] is True


@pytest.mark.parametrize(("env", "names"), [
    ({}, "SECRET_KEY"),
    ({"JWT_SECRET": PRODUCTION["JWT_SECRET"]}, "SECRET_KEY"),
    ({"SECRET_KEY": "dev-insecure-secret-key-change-me-in-production-0123456789",
      "JWT_SECRET": PRODUCTION["JWT_SECRET"]}, "SECRET_KEY"),
    ({"SECRET_KEY": PRODUCTION["SECRET_KEY"]}, "JWT_SECRET"),
    ({"SECRET_KEY": PRODUCTION["SECRET_KEY"], "JWT_SECRET": PRODUCTION["SECRET_KEY"]}, "JWT_SECRET"),
    ({"SECRET_KEY": PRODUCTION["SECRET_KEY"], "JWT_SECRET": "short"}, "JWT_SECRET"),
    ({"SECRET_KEY": PRODUCTION["SECRET_KEY"], "JWT_SECRET": "dev-insecure-jwt-secret-change-me-in-production-0123456789"},
     "JWT_SECRET"),
    ({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, "SECURE_PROXY_SSL_HEADER"),
])
def test_without_debug_it_refuses_to_start_without_secrets_of_its_own(env, names):
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr[-1500:]
    assert names in message and "set" in message


def test_a_public_key_alone_is_a_jwt_verification_key():
    key = "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\\n-----END PUBLIC KEY-----"
    result = run(["manage.py", "check"], SECRET_KEY=PRODUCTION["SECRET_KEY"], JWT_PUBLIC_KEY=key)
    assert result.returncode == 0, result.stderr[-1500:]


def test_check_deploy_is_clean_in_production_mode():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_without_secret_key_refuses():
    result = run(["manage.py", "check", "--deploy"], JWT_SECRET=PRODUCTION["JWT_SECRET"])
    assert result.returncode != 0 and "set the SECRET_KEY environment variable" in result.stderr


def test_production_mode_sends_hsts_and_redirects_to_https(production):
    status, headers = production["docs"]
    assert status == 200
    hsts = headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert "Content-Security-Policy" in headers
    assert production["plain"] == [301, "https://testserver/api/v1/docs"]
    assert production["healthz"] == 200  # load balancer probes stay on plain HTTP
    assert production["behind_proxy"] == 301  # no proxy header trusted unless configured


def test_hsts_seconds_and_the_proxy_header_come_from_the_environment():
    found = probe(**PRODUCTION, SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="false",
                  SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    assert found["docs"][1]["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    assert found["settings"]["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["behind_proxy"] == 200


def test_debug_mode_sends_no_hsts():
    found = probe(DEBUG="true")
    assert "Strict-Transport-Security" not in found["docs"][1]
    assert found["plain"][0] == 200
    assert found["settings"]["JWT_SECRET"] != found["settings"]["SECRET_KEY"]


@pytest.mark.django_db
def test_production_cookies_are_secure_httponly_and_samesite(production, settings):
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
                 "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE"):
        setattr(settings, name, production["settings"][name])
    assert production["settings"]["SESSION_COOKIE_SECURE"] and production["settings"]["CSRF_COOKIE_SECURE"]
    get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    login = client.post("/admin/login/", {"username": "ops", "password": "pw-0123456789",
                                          "csrfmiddlewaretoken": token}, secure=True,
                        HTTP_REFERER="https://testserver/admin/login/")
    assert login.status_code == 302
    session = login.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# -- Content-Security-Policy -------------------------------------------------------------------

def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def staff(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-0123456789"))
    return client


@pytest.mark.django_db
def test_every_admin_page_carries_the_csp_and_runs_no_unlisted_inline_script(staff, admin_a):
    ticket = admin_a.post("/api/v1/helpdesk/tickets", {"title": "x"}, format="json").json()
    pages = ["/admin/", "/admin/helpdesk/ticket/", "/admin/helpdesk/ticket/add/",
             f"/admin/helpdesk/ticket/{ticket['id']}/change/", f"/admin/helpdesk/ticket/{ticket['id']}/history/",
             "/admin/password_change/", "/admin/auth/user/"]
    for path in pages:
        response = staff.get(path)
        assert response.status_code == 200, path
        policy = directives(response["Content-Security-Policy"])
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        nonces = [v for v in policy["script-src"] if v.startswith("'nonce-")]
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            allowed = "src=" in tag or 'type="application/json"' in tag or any(n[7:-1] in tag for n in nonces)
            assert allowed, f"{path}: inline script without a nonce: {tag}"
    assert Ticket.objects.count() == 1


def test_the_swagger_ui_may_run_exactly_its_inline_script(db):
    import base64
    import hashlib
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    inline = re.findall(rb"<script>(.*?)</script>", response.content, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0]).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-eval'" not in policy["script-src"]


def test_api_data_responses_carry_a_policy_that_allows_nothing(admin_a, db):
    for path, status in [("/api/v1/helpdesk/tickets", 200), ("/api/v1/helpdesk/tickets?status=nope", 400),
                         ("/api/v1/helpdesk/tickets/tkt_missing", 404), ("/api/v1/nowhere", 404)]:
        response = admin_a.get(path)
        assert response.status_code == status, path
        assert directives(response["Content-Security-Policy"]) == {
            "default-src": ["'none'"], "frame-ancestors": ["'none'"]}, path


def test_the_api_data_policy_follows_its_setting(admin_a, db):
    with override_settings(API_CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"],
                                                                        "sandbox": [""]}}):
        changed = admin_a.get("/api/v1/helpdesk/tickets")["Content-Security-Policy"]
    assert "sandbox" in changed and "frame-ancestors" not in changed
    assert "sandbox" not in admin_a.get("/api/v1/helpdesk/tickets")["Content-Security-Policy"]


def test_a_report_only_policy_still_reaches_api_responses(admin_a, db):
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'self'"]}}):
        response = admin_a.get("/api/v1/helpdesk/tickets")
    assert directives(response["Content-Security-Policy-Report-Only"])["default-src"] == ["'self'"]
    assert directives(response["Content-Security-Policy"])["default-src"] == ["'none'"]
