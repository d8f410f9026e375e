"""An OpenID Provider on 127.0.0.1 whose answers a test writes: the ID token's claims (signed with a
key it publishes at /jwks), userinfo, and how many token calls it took. It lets a test play a
provider that lies (another client's token, an e-mail it does not own) through the real callback."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from django.test import Client

from tests.signin.keys import SigningKey


class ScriptedProvider:
    def __init__(self, *, client_id: str):
        self.key = SigningKey("scripted")
        self.client_id = client_id
        self.claims: dict = {}
        self.nonce = ""
        self.token_calls = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, doc: dict, status: int = 200):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = urlparse(self.path).path
                if path.endswith("/.well-known/openid-configuration"):
                    return self._send(provider.discovery())
                if path.endswith("/jwks"):
                    return self._send({"keys": [provider.key.jwk()]})
                if path.endswith("/userinfo"):
                    return self._send({k: v for k, v in provider.id_claims().items()
                                       if k not in ("aud", "azp", "iss", "exp", "iat", "nonce")})
                return self._send({"error": "not_found"}, 404)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                provider.token_calls += 1
                return self._send({"access_token": "at-scripted", "token_type": "Bearer", "expires_in": 60,
                                   "id_token": provider.key.sign(provider.id_claims())})

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.httpd.server_address[1]}/op"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks"}

    def discovery_endpoints(self) -> dict:
        return {k: v for k, v in self.discovery().items() if k != "issuer"}

    def id_claims(self) -> dict:
        now = int(time.time())
        return {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": self.nonce,
                **self.claims}

    def sign_in(self, client: Client, tenant: str, **claims):
        """Start a sign-in at /oidc/<tenant>/authenticate/ and come back to the callback as the
        provider would, the ID token saying `claims`; returns the callback's (followed) response."""
        self.claims = claims
        start = client.get(f"/oidc/{tenant}/authenticate/")
        query = parse_qs(urlparse(start["Location"]).query)
        self.nonce = query["nonce"][0]
        return client.get(f"/oidc/callback/?code=c0de&state={query['state'][0]}", follow=True)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
