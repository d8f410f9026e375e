"""Production settings accept a JWKS URL as the only JWT verification key."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django; django.setup(); from django.conf import settings; print(settings.JWT_JWKS_URL)"


def production(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DEBUG"))}
    environ.update(DEBUG="false", SECRET_KEY="prod-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
                   DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


def test_a_jwks_url_alone_is_a_verification_key_in_production():
    result = production(JWT_JWKS_URL="https://idp.example.com/oauth2/v1/keys")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("https://idp.example.com/oauth2/v1/keys")


def test_no_verification_key_at_all_still_refuses_to_start_and_names_jwks():
    result = production()
    assert result.returncode != 0
    assert "JWT_JWKS_URL" in result.stderr
