"""The sign-in tests' OpenID Provider (tests/signin/op, a second Django process on 127.0.0.1) and
the browser fixtures of tests/e2e."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import SKIP_REASON, artifacts, browser, page  # noqa: F401 (fixtures)
from tests.signin.keys import SigningKey

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "backoffice-test-client"
CLIENT_SECRET = "backoffice-test-client-secret-0123456789abcdef"
OP_PASSWORD = "op-pass-123"
# The people the provider knows, and their groups there.
OP_USERS = [
    {"username": "alice", "email": "alice@acme.test", "first_name": "Alice", "last_name": "Adams",
     "groups": ["bo-approvers", "bo-agents"]},
    {"username": "carol", "email": "carol@acme.test", "first_name": "Carol", "last_name": "Chen",
     "groups": ["bo-it", "everyone"]},
    {"username": "bob", "email": "bob@acme.test", "first_name": "Bob", "last_name": "Brown",
     "groups": ["marketing"]},
]
ROLE_MAPPING = {"bo-approvers": ["approver"], "bo-agents": ["agent"], "bo-it": ["it"], "bo-admins": ["admin"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OpenIDProvider:
    def __init__(self, *, redirect_uri: str, workdir: Path):
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        setup = {"users": [{**u, "password": OP_PASSWORD} for u in OP_USERS],
                 "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET, "redirect_uri": redirect_uri}}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        env.update(OP_DATABASE=str(workdir / "op.sqlite3"), OP_ISSUER=self.issuer,
                   OP_RSA_PRIVATE_KEY=SigningKey("op").pem(), OP_SETUP=json.dumps(setup), PYTHONPATH=str(ROOT))
        self.log = open(workdir / "op.log", "w")
        self.process = subprocess.Popen([sys.executable, "-m", "tests.signin.op.serve", str(self.port)], cwd=ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID Provider exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the OpenID Provider did not start within 60 s")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def openid_provider(live_server, tmp_path_factory):
    op = OpenIDProvider(redirect_uri=f"{live_server.url}/oidc/callback/", workdir=tmp_path_factory.mktemp("op"))
    yield op
    op.close()


@pytest.fixture(autouse=True)
def _fresh_token_caches():
    from apps.core import auth
    from apps.signin import tokens

    auth._key_sets.clear()
    auth._verified.clear()
    tokens.forget()
    yield
    auth._key_sets.clear()
    auth._verified.clear()
    tokens.forget()


browser_test = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")
