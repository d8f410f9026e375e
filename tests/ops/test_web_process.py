"""The web process as production runs it: gunicorn with config/gunicorn.conf.py, static files
collected and served by WhiteNoise with far-future cache headers, metrics summed over workers."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def production_env(tmp_path):
    return {**os.environ, "DEBUG": "false", "STATIC_MANIFEST": "true", "STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "", "SECRET_KEY": "k" * 50,
            "JWT_SECRET": "j" * 40, "ALLOWED_HOSTS": "127.0.0.1", "METRICS_TOKEN": "scrape-secret",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), "WEB_CONCURRENCY": "2", "LOG_LEVEL": "INFO",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"}  # behind a TLS-terminating proxy


@pytest.mark.slow
def test_gunicorn_serves_hashed_static_files_and_summed_metrics(production_env, tmp_path):
    for command in (["migrate", "--noinput", "-v", "0"],  # the Swagger UI bundle is most of the collecting time
                    ["collectstatic", "--noinput", "-v", "0", "-i", "drf_spectacular_sidecar"]):
        subprocess.run([sys.executable, "manage.py", *command], env=production_env, cwd=settings.BASE_DIR,
                       check=True, timeout=240)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    css = manifest["admin/css/base.css"]
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py"],
                              env={**production_env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, cwd=settings.BASE_DIR,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert get(f"{base}/readyz")[0] == 200
        status, headers, body = get(f"{base}/static/{css}", **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"})
        assert status == 200 and headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert headers.get("Content-Encoding") == "gzip" and body[:2] == b"\x1f\x8b"
        for _ in range(6):
            get(f"{base}/healthz")
        status, _, body = get(f"{base}/metrics", Authorization="Bearer scrape-secret")
        text = body.decode()
        total = sum(float(line.split()[-1]) for line in text.splitlines()
                    if line.startswith('django_http_requests_total_by_method_total{method="GET"}'))
        assert status == 200 and total >= 9, text[:2000]  # every worker's requests, not one worker's
        assert "backoffice_webhook_deliveries_queued" in text
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.startswith("{")]
    finished = [line for line in lines if line.get("event") == "request_finished"]
    assert finished and all(line["request_id"] for line in finished)
