"""The image builds and the compose stack's web answers /readyz (needs a Docker daemon)."""
import shutil
import subprocess
import time
import urllib.request

import pytest
from django.conf import settings


def docker_available() -> str | None:
    if not shutil.which("docker"):
        return "no docker client on this machine"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        return "the Docker daemon is not reachable (`docker info` failed)"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20).returncode != 0:
        return "docker compose is not installed"
    return None


@pytest.mark.slow
def test_compose_stack_answers_readyz():
    reason = docker_available()
    if reason:
        pytest.skip(f"container test skipped: {reason}")
    env = {"SECRET_KEY": "s" * 50, "JWT_SECRET": "j" * 40, "WEB_PORT": "18080", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    compose = ["docker", "compose", "-p", "backoffice-test", "-f", str(settings.BASE_DIR / "compose.yaml")]
    subprocess.run([*compose, "up", "-d", "--build", "--wait"], env=env, check=True, timeout=900)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:18080/readyz", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "web never became ready"
                time.sleep(1)
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, timeout=300)
