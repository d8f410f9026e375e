"""`make run` as a newcomer meets it, on a fresh SQLite database: the last thing printed is where
everything is and every demo user (all roles, both tenants), after which the output stays quiet (no
JSON logs, no e-mail dumps: mail is one line each); the mail's links and the schema's `servers` name
the port it runs on; the README's token command gives a token this server takes."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.conf import settings

from apps.core.management.commands.seed_demo import STAFF, TENANTS
from tests.ops.test_newcomer import readme_command
from tests.ops.test_web_process import free_port, get

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                 reason="runs once, in the SQLite pass: make run uses a SQLite file of its own")]

BANNER_END = "=" * 72
QUIET_SECONDS = 15  # longer than a scheduler period (SCHEDULER_NOTIFY_SECONDS)


class Output:
    """The lines a process prints, as they come."""

    def __init__(self, stream):
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)


def _body(line: str) -> str:
    return line.split("| ", 1)[1] if "| " in line else line  # honcho's "12:00:00 web.1 | " prefix


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JWT_SECRET", "LOG_LEVEL", "LOG_FORMAT",
                        "SITE_URL", "EMAIL_URL", "NOTIFY_BASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}", "HOST=127.0.0.1"], env=env,
                               cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    output = Output(process.stdout)
    yield port, output, env
    os.killpg(process.pid, signal.SIGINT)  # honcho stops its processes on Ctrl-C
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_make_run_ends_with_the_urls_and_every_demo_user_then_stays_quiet(make_run, tmp_path):
    port, output, env = make_run
    deadline = time.monotonic() + 420  # install (already done), migrate, seed, start, first mail
    while BANNER_END not in output.text() or output.text().count(BANNER_END) < 2:
        assert time.monotonic() < deadline, output.text()[-4000:]
        time.sleep(1)
    lines = output.lines[:]
    end = max(i for i, line in enumerate(lines) if _body(line) == BANNER_END)
    start = max(i for i, line in enumerate(lines[:end]) if _body(line) == BANNER_END)
    banner = "\n".join(_body(line) for line in lines[start:end])
    site = f"http://127.0.0.1:{port}"
    assert f"{site}/admin/" in banner and f"{site}/api/v1/docs" in banner
    for tenant in TENANTS:
        for role in STAFF:
            assert re.search(rf"^  {tenant}-{role}\s+\S.*\s{role}\s", banner, flags=re.M), (tenant, role, banner)
    assert re.search(r"^  admin\s+superuser", banner, flags=re.M) and "demo-pass-123" in banner
    before = "\n".join(lines[:start])
    assert "Content-Type: multipart" not in before, "e-mails are dumped whole"
    assert re.search(r"\| mail to \S+@\S+: .* \(full text: manage\.py show_mail ntf_", before), before[-3000:]

    # Use it as a newcomer would: the docs' schema, the README's token, a favicon.
    _, _, schema = get(f"{site}/api/v1/schema?format=json")
    assert json.loads(schema)["servers"][0]["url"] == site
    token_command = re.fullmatch(r"TOKEN=\$\((.*)\)", readme_command(r"manage\.py mint_token").strip()).group(1)
    token = subprocess.run(["bash", "-c", token_command.replace(".venv/bin/python", sys.executable)],
                           env={k: v for k, v in env.items() if k != "DEBUG"}, cwd=settings.BASE_DIR,
                           capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    status, _, body = get(f"{site}/api/v1/helpdesk/tickets", Authorization=f"Bearer {token}")
    assert status == 200 and json.loads(body)["results"], body[:300]
    with urllib.request.urlopen(f"{site}/favicon.ico", timeout=10) as icon:  # follows the redirect
        assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/svg")

    quiet_from = len(output.lines)
    time.sleep(QUIET_SECONDS)
    after = [_body(line) for line in output.lines[quiet_from:]]
    noisy = [line for line in after if not line.startswith("mail to ")]
    assert noisy == [], noisy

    # The mail's links name this server (SITE_URL from HOST and PORT).
    shown = subprocess.run([sys.executable, "manage.py", "show_mail"], env={**env, "DEBUG": "true"},
                           cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=True).stdout
    first = shown.split()[0]
    full = subprocess.run([sys.executable, "manage.py", "show_mail", first], env={**env, "DEBUG": "true"},
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=True).stdout
    links = re.findall(r"https?://[^\s)>\]]+", full)
    assert links and all(link.startswith(f"{site}/") for link in links), links
