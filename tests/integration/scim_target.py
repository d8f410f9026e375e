"""A real SCIM 2.0 service provider on 127.0.0.1 for connector tests (PyPI `scim2-server`, in memory).

`ScimTarget` serves the library's WSGI application in a thread on a free port, with a bearer token, and
can misbehave on request: answer scripted statuses (`fail_next(503, times=2)`), answer slowly
(`delay`), or go down altogether (`stop()` refuses connections; `start()` serves again on the same port,
with the same users and groups). Helpers read the target's state over HTTP, as any client would.

Use the `scim_target` fixture (tests/conftest.py), or `with ScimTarget() as target:` elsewhere.
"""
import json
import secrets
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from scim2_server.memory import InMemoryStorage
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.utils import load_default_provider


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ScimTarget:
    def __init__(self, *, token: str | None = None):
        self.token = token or secrets.token_urlsafe(24)
        self.storage = InMemoryStorage()
        self.app = BearerTokenApplication(self.storage, load_default_provider(), bearer_tokens=[self.token])
        self.script: list[tuple[int, bytes]] = []  # (status, body) to answer instead of serving, in order
        self.delay = 0.0  # seconds to wait before serving each request
        self.requests: list[tuple[str, str]] = []  # (method, path?query) of every request received
        self.lock = threading.Lock()
        self.port = 0
        self.server = None
        self.start()

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self._wsgi, server_class=_Server,
                                  handler_class=_QuietHandler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Down: connections to the port are refused until `start()`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    # --- faults ----------------------------------------------------------------------------------
    def fail_next(self, status: int, *, times: int = 1, body: bytes | None = None) -> None:
        """Answer the next `times` requests with `status` (and `body`, else a SCIM error) instead."""
        if body is None:
            body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status),
                               "detail": f"scripted failure {status}"}).encode()
        with self.lock:
            self.script.extend([(status, body)] * times)

    def _wsgi(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        with self.lock:
            self.requests.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "") + (f"?{query}" if query else "")))
            scripted = self.script.pop(0) if self.script else None
        if self.delay:
            time.sleep(self.delay)
        if scripted is not None:
            status, body = scripted
            start_response(f"{status} Scripted", [("Content-Type", "application/scim+json"),
                                                  ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)

    # --- reading and seeding the target's state (over HTTP, as a client) -------------------------
    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, f"{self.url}{path}", timeout=5,
                                    headers={"Authorization": f"Bearer {self.token}",
                                             "Content-Type": "application/scim+json"}, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else {}

    def create_group(self, display_name: str) -> str:
        return self._call("POST", "/Groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                                   "displayName": display_name})["id"]

    def create_user(self, user_name: str, **attributes) -> str:
        return self._call("POST", "/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                  "userName": user_name, **attributes})["id"]

    def users(self) -> list[dict]:
        return self._call("GET", "/Users", params={"count": 1000}).get("Resources", [])

    def user(self, user_name: str) -> dict | None:
        found = self._call("GET", "/Users", params={"filter": f'userName eq "{user_name}"'}).get("Resources", [])
        return found[0] if found else None

    def member_names(self, group_id: str) -> set[str]:
        """The userNames of the group's members now."""
        members = self._call("GET", f"/Groups/{group_id}").get("members") or []
        by_id = {user["id"]: user["userName"] for user in self.users()}
        return {by_id.get(member["value"], member["value"]) for member in members}

    def add_member(self, group_id: str, user_id: str) -> None:
        self._call("PATCH", f"/Groups/{group_id}", json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]})
