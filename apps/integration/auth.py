"""Integration API keys as callers: looked up by SHA-256, scoped, rate-limited through the cache."""
import hashlib
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework.exceptions import AuthenticationFailed, Throttled

from apps.core.api.conventions import RateLimitState, remember_rate_limit
from apps.directory.services import is_deactivated
from apps.core.principal import Principal

from .models import IntegrationApiKey

LAST_USED_RESOLUTION = timedelta(minutes=1)
CACHE_DOWN = (RedisError, OSError)
logger = logging.getLogger("apps.integration")


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _count_in_database(key_id: str, window: int) -> int:
    """One upsert with RETURNING: atomic on PostgreSQL and SQLite, unlike the database cache's add + incr."""
    from .models import RateLimitCounter

    db = router.db_for_write(RateLimitCounter)
    connection = connections[db]
    quote = connection.ops.quote_name
    table = quote(RateLimitCounter._meta.db_table)
    with connection.cursor() as cursor:  # one statement: atomic in autocommit too
        cursor.execute(
            f"INSERT INTO {table} ({quote('key_id')}, {quote('window')}, {quote('count')}) VALUES (%s, %s, 1)"
            f" ON CONFLICT ({quote('key_id')}, {quote('window')})"
            f" DO UPDATE SET {quote('count')} = {table}.{quote('count')} + 1 RETURNING {quote('count')}",
            [key_id, window],
        )
        count = cursor.fetchone()[0]
    if count == 1:  # the window's first request clears this key's older windows
        RateLimitCounter.objects.filter(key_id=key_id, window__lt=window).delete()
    return count


def _count_in_cache(key_id: str, window: int) -> int:
    """Redis (and the local-memory cache) increment atomically."""
    bucket = f"rpm:{key_id}:{window}"
    cache.add(bucket, 0, timeout=120)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 0, timeout=120)
        return cache.incr(bucket)


def enforce_rpm(key: IntegrationApiKey, *, request=None) -> None:
    """A fixed one-minute window per key, counted atomically where every process sees it; the
    response tells the caller where it stands (RateLimit-* headers, apps/core/api/conventions.py)."""
    if not key.rpm_limit:
        return
    now = time.time()
    window = int(now // 60)
    if isinstance(caches["default"], DatabaseCache):
        count = _count_in_database(key.id, window)
    else:
        try:
            count = _count_in_cache(key.id, window)
        except CACHE_DOWN:
            logger.warning("rate_limit_cache_unavailable", extra={"fallback": settings.RATE_LIMIT_CACHE_FAILURE})
            if settings.RATE_LIMIT_CACHE_FAILURE == "skip":
                return
            count = _count_in_database(key.id, window)
    reset = int(60 - now % 60) + 1
    if request is not None:
        remember_rate_limit(request, RateLimitState(limit=key.rpm_limit, remaining=key.rpm_limit - count, reset=reset))
    if count > key.rpm_limit:
        raise Throttled(wait=reset, detail=f"Rate limit of {key.rpm_limit} requests per minute exceeded.")


def key_principal(key: IntegrationApiKey) -> Principal:
    """The key acts for its maker, with the roles the maker had when making it (never more), within
    its scopes and its application. `issued_to_user_id` is a label and grants nothing."""
    return Principal(
        person_id=key.created_by_user_id or f"key:{key.id}",
        tenant_id=key.tenant_id,
        roles=frozenset(key.creator_roles or ()),
        app_id=None if key.tenant_wide else key.application.slug,
        scopes=frozenset(key.scopes or []),
        api_key_id=key.id,
    )


def resolve_api_key(raw: str, *, request=None) -> Principal | None:
    key = (IntegrationApiKey.objects.select_related("application").filter(key_hash=hash_key(raw)).first())
    now = timezone.now()
    if key is None or not key.usable(now):
        return None
    if not key.tenant_wide and (key.application is None or key.application.is_deleted):
        return None  # an application key whose application is gone never becomes tenant-wide
    if key.created_by_user_id and is_deactivated(key.tenant_id, key.created_by_user_id):
        raise AuthenticationFailed("The key's maker is deactivated in the tenant's directory: it acts for them.")
    enforce_rpm(key, request=request)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        IntegrationApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key_principal(key)
