"""Integration API keys as callers: looked up by SHA-256, scoped, rate-limited through the cache."""
import hashlib
import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from rest_framework.exceptions import Throttled

from apps.core.principal import Principal

from .models import IntegrationApiKey

LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def enforce_rpm(key: IntegrationApiKey) -> None:
    """A fixed one-minute window per key, counted in the shared cache (Redis or the database)."""
    if not key.rpm_limit:
        return
    now = time.time()
    window = int(now // 60)
    bucket = f"rpm:{key.id}:{window}"
    cache.add(bucket, 0, timeout=120)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=120)
        count = 1
    if count > key.rpm_limit:
        raise Throttled(wait=int(60 - now % 60) + 1, detail=f"Rate limit of {key.rpm_limit} requests per minute exceeded.")


def resolve_api_key(raw: str, *, request=None) -> Principal | None:
    key = (IntegrationApiKey.objects.select_related("application").filter(key_hash=hash_key(raw)).first())
    now = timezone.now()
    if key is None or not key.usable(now):
        return None
    enforce_rpm(key)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        IntegrationApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return Principal(
        person_id=key.issued_to_user_id or key.created_by_user_id or f"key:{key.id}",
        tenant_id=key.tenant_id,
        roles=frozenset({"admin"}),
        app_id=key.application.slug if key.application else None,
        scopes=frozenset(key.scopes or []),
        api_key_id=key.id,
    )
