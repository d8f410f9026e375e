"""Outbound HTTP for webhooks: Standard Webhooks signatures, retry backoff and an SSRF guard
that checks the address actually connected to (no DNS-rebinding window)."""
import base64
import hashlib
import hmac
import http.client
import ipaddress
import random
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


def generate_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff: str = "exponential"
    timeout_ms: int = 10_000
    base_seconds: float = 30.0
    max_delay_seconds: float = 3600.0


def parse_retry_policy(raw) -> RetryPolicy:
    """`{maxAttempts, backoff, timeoutMs, baseDelaySeconds}` (camelCase or snake_case), checked against
    the shape the Webhook model declares for it; ValueError names what does not fit."""
    from apps.core.json_shapes import problems

    from .models import Webhook

    if raw in (None, {}):
        return RetryPolicy()
    found = problems(Webhook.json_shapes["retry_policy"], raw)
    if found:
        raise ValueError("retry_policy: " + "; ".join(found))
    names = {"maxAttempts": "max_attempts", "timeoutMs": "timeout_ms", "baseDelaySeconds": "base_seconds",
             "base_delay_seconds": "base_seconds"}
    return RetryPolicy(**{names.get(key, key): value for key, value in raw.items()})


def next_delay(*, policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempt + 1`: the policy's curve, capped, with equal jitter."""
    rng = rng or random
    base = {"exponential": policy.base_seconds * 2 ** max(attempt - 1, 0),
            "linear": policy.base_seconds * attempt, "fixed": policy.base_seconds}[policy.backoff]
    capped = min(base, policy.max_delay_seconds)
    return capped / 2 + rng.uniform(0, capped / 2)


@dataclass(frozen=True)
class DeliveryResult:
    status_code: int | None
    error: str | None
    duration_ms: int
    response_excerpt: str = ""
    connected_ip: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def _resolve(url: str, *, allow_private: bool) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http(s) with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve {parts.hostname}") from exc
    addresses = [info[4][0] for info in infos]
    if not allow_private and not all(_is_public(a) for a in addresses):
        raise ValueError(f"{parts.hostname} resolves to a private, loopback or link-local address")
    return parts.scheme, parts.hostname, port, addresses[0]


def _literal_address(host: str):
    """The IP address `host` spells (dotted, shorthand such as 127.1, decimal, IPv6), or None for a name.
    Pure parsing: no DNS."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(socket.inet_aton(host))
    except OSError:
        return None


def check_target_url(url: str, *, allow_private: bool) -> None:
    """Create/update-time checks of a webhook URL without resolving it: the API must not reveal which
    internal names exist. DNS and the private-address check of what a name resolves to run at send time."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError("the URL is malformed") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http(s) with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in the URL are not allowed; use a custom header")
    if port == 0:
        raise ValueError("port 0 is not a port")
    if allow_private:
        return
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise ValueError(f"{host} is a loopback name")
    address = _literal_address(host)
    if address is not None and not _is_public(str(address)):
        raise ValueError(f"{host} is a private, loopback or link-local address")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the vetted IP while speaking HTTP to the URL's host."""

    def __init__(self, host, port, *, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, ip, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict, timeout: float, allow_private: bool) -> DeliveryResult:
    """POST without following redirects; never raises: failures come back as `error`."""
    started = time.monotonic()

    def done(status=None, error=None, excerpt="", ip=None):
        return DeliveryResult(status, error, int((time.monotonic() - started) * 1000), excerpt, ip)

    try:
        scheme, host, port, ip = _resolve(url, allow_private=allow_private)
    except ValueError as exc:
        return done(error=f"ssrf_refused: {exc}")
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, ip=ip, timeout=timeout)
    try:
        connection.connect()
        peer = connection.sock.getpeername()[0]
        if not allow_private and not _is_public(peer):
            return done(error=f"ssrf_refused: connected to non-public address {peer}", ip=peer)
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        excerpt = response.read(1000).decode("utf-8", "replace")
        status = response.status
        if 300 <= status < 400:
            return done(status, f"redirect to {response.getheader('Location')} not followed", excerpt, peer)
        return done(status, None if 200 <= status < 300 else f"HTTP {status}", excerpt, peer)
    except (OSError, http.client.HTTPException) as exc:
        return done(error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
