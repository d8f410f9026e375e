"""A newcomer's first minutes, piece by piece (tests/ops/test_make_run.py runs `make run` whole):
the README's token command works as written, the schema's `servers` and the favicon answer for the
host asked, development mail is one line per message with the full text a command away."""
import io
import json
import os
import re
import subprocess
import sys

import jwt
import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.notifications.mail_summary import SummaryEmailBackend
from apps.notifications.models import Notification


def readme_command(pattern: str) -> str:
    """The shell command in README.md's code blocks that matches `pattern`."""
    text = (settings.BASE_DIR / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines() if re.search(pattern, line)]
    assert lines, f"README.md shows no command matching {pattern!r}"
    return lines[0]


def test_the_readmes_mint_token_works_in_a_fresh_shell():
    """As written, with nothing in the environment but what a shell has: no DEBUG, no secrets."""
    line = readme_command(r"manage\.py mint_token")
    command = re.fullmatch(r"TOKEN=\$\((.*)\)", line.strip())
    assert command, line
    shell = command.group(1).replace(".venv/bin/python", sys.executable)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "JWT_SECRET", "DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(["bash", "-c", shell], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    token = done.stdout.strip()
    # `make run` serves with DEBUG's development key: the token verifies against it.
    claims = jwt.decode(token, settings.DEV_JWT_SECRET, algorithms=["HS256"])
    assert (claims["tenant_id"], claims["sub"], claims["roles"]) == ("acme", "per_acme_agent", ["agent"])


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:9001"])
def test_the_schemas_server_is_the_host_it_was_asked_from(client, host):
    response = client.get("/api/v1/schema", {"format": "json"}, HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json()["servers"] == [{"url": f"http://{host}", "description": "This server"}]


def test_the_written_schema_names_site_url(tmp_path):
    out = tmp_path / "openapi.json"
    subprocess.run([sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--file", str(out)],
                   env={**os.environ, "SITE_URL": "https://backoffice.example.invalid/"}, cwd=settings.BASE_DIR,
                   check=True, capture_output=True, timeout=240)
    assert json.loads(out.read_text())["servers"] == [{"url": "https://backoffice.example.invalid",
                                                       "description": "Local development server (`make run`)"}]


@pytest.mark.django_db
def test_a_favicon_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/favicon.svg")
    page = client.get("/admin/login/")
    assert re.search(rb'<link rel="icon" href="/static/favicon.svg"', page.content), "the admin links no icon"


@pytest.mark.django_db
def test_development_mail_is_one_line_and_show_mail_prints_it_whole():
    row = Notification.objects.create(id="ntf_newcomer", tenant_id="acme", kind="ticket_assigned",
                                      recipient_id="per_acme_agent", recipient_email="sam@acme.example",
                                      subject="[Acme] Ticket TKT-1 assigned to you", status="sent",
                                      text_body="Hello Sam,\n\nTKT-1 is yours.\n\nhttp://127.0.0.1:8000/admin/x")
    out = io.StringIO()
    message = EmailMessage(subject=row.subject, body=row.text_body, to=[row.recipient_email],
                           headers={"X-Backoffice-Notification": row.id})
    assert SummaryEmailBackend(stream=out).send_messages([message]) == 1
    assert out.getvalue() == ("mail to sam@acme.example: [Acme] Ticket TKT-1 assigned to you  "
                              "(full text: manage.py show_mail ntf_newcomer)\n")
    shown = io.StringIO()
    call_command("show_mail", "ntf_newcomer", stdout=shown)
    assert "TKT-1 is yours." in shown.getvalue() and "Subject: [Acme] Ticket TKT-1" in shown.getvalue()
    listed = io.StringIO()
    call_command("show_mail", stdout=listed)
    assert "ntf_newcomer" in listed.getvalue()
    with pytest.raises(CommandError, match="No notification ntf_nope"):
        call_command("show_mail", "ntf_nope")


def test_development_mail_is_summarised_unless_asked_in_full():
    env = {**os.environ, "DEBUG": "true"}
    env.pop("EMAIL_URL", None)
    read = [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
            "django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"]
    summary = subprocess.run(read, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    full = subprocess.run(read, env={**env, "EMAIL_URL": "consolemail://"}, cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=60)
    assert summary.stdout.strip().splitlines()[-1] == "apps.notifications.mail_summary.SummaryEmailBackend"
    assert full.stdout.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"
