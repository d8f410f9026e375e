"""Idempotency keys with Stripe's semantics, stored in the database.

A POST or PATCH that carries `Idempotency-Key` runs in one transaction that also stores its
response, so the change, its history, its outbox event and the stored answer commit together:
a retry after a time-out either finds the stored answer or finds nothing was done.

- same caller, same key, same request within the retention window: the stored response, replayed;
- same caller, same key, another request (method, path, query or body): 422;
- same caller, same key, the first request still running: 409 (PostgreSQL holds a transaction-scoped
  advisory lock on the key while it runs; other databases serialise writers, and a second request
  that lost the race is refused when it stores its answer, with its own change rolled back).

Only successful responses are stored: an error changed nothing, so a retry runs the request again.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.exceptions import Conflict, DomainError
from apps.core.principal import Principal

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
METHODS = frozenset({"POST", "PATCH"})
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("ETag", "Location")


class InvalidIdempotencyKey(DomainError):
    status = 400
    code = "invalid_idempotency_key"
    title = "Invalid Idempotency-Key"


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    title = "Request in progress"


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    title = "Idempotency-Key reused"


@dataclass(frozen=True)
class Claim:
    tenant_id: str
    principal: str
    key: str
    fingerprint: str


class Replay(Exception):
    """The stored answer to this request: the view returns it instead of running again."""

    def __init__(self, stored: IdempotentRequest):
        super().__init__(stored.key)
        self.stored = stored


def retention() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def principal_identity(principal: Principal) -> str:
    return f"{principal.person_id}|{principal.app_id or ''}|{principal.api_key_id or ''}"


def request_fingerprint(*, method: str, path: str, query: str, data) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{query}\n{body}".encode()).hexdigest()


def _valid_key(raw: str) -> str:
    if not raw or len(raw) > MAX_KEY_LENGTH or not raw.isascii() or not raw.isprintable() or raw != raw.strip():
        raise InvalidIdempotencyKey(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters without surrounding spaces "
            "(a UUID is a good choice).")
    return raw


def _lock(claim: Claim) -> bool:
    """PostgreSQL: a transaction-scoped advisory lock on the caller's key (released at commit or
    rollback, and when a connection dies, so a crashed request never leaves the key stuck)."""
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.sha256(f"{claim.tenant_id}\n{claim.principal}\n{claim.key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])
        return bool(cursor.fetchone()[0])


def idempotency_key_claim(*, principal: Principal, key: str, fingerprint: str) -> Claim:
    """Inside the request's transaction: the claim to store the answer under, or Replay, or a 409/422."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An idempotent request runs in one transaction with its stored answer.")
    claim = Claim(tenant_id=principal.tenant_id, principal=principal_identity(principal), key=_valid_key(key),
                  fingerprint=fingerprint)
    if not _lock(claim):
        raise IdempotencyKeyInUse(f"A request with this {HEADER} is still in progress; retry it later.")
    found = IdempotentRequest.objects.filter(tenant_id=claim.tenant_id, principal=claim.principal, key=claim.key).first()
    if found is not None and found.created_at < timezone.now() - retention():
        found.delete()  # past the retention window the key is free again
        found = None
    if found is None:
        return claim
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(f"This {HEADER} was used with a different request (method, path or body); "
                                   "use a new key for a new request.")
    raise Replay(found)


def idempotency_key_store(*, claim: Claim, status_code: int, content_type: str, body: bytes,
                          headers: dict[str, str]) -> IdempotentRequest:
    """Inside the same transaction as the change; a concurrent twin that stored first makes this a
    409 and rolls the whole request back."""
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                tenant_id=claim.tenant_id, principal=claim.principal, key=claim.key, fingerprint=claim.fingerprint,
                status_code=status_code, content_type=content_type, body=body.decode(),
                headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
                created_at=timezone.now())
    except IntegrityError as exc:  # the unique constraint: a concurrent twin committed first
        raise IdempotencyKeyInUse(f"Another request with this {HEADER} completed first; retry to get its answer.") from exc


def idempotency_key_prune(*, now: datetime | None = None) -> int:
    """Delete the answers past the retention window (the scheduler runs it hourly)."""
    cutoff = (now or timezone.now()) - retention()
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
