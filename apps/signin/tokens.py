"""Service tokens from a tenant's provider (apps.core.auth JWT_TENANT_ISSUERS): {issuer: (jwks
uri, audience, tenant id)} for providers with an API audience, kept in-process for a minute so a
request costs no query."""
import time

from .models import IdentityProvider

TTL_SECONDS = 60
_cached: tuple[float, dict] = (0.0, {})


def tenant_issuers() -> dict[str, tuple[str, str, str]]:
    global _cached
    loaded_at, issuers = _cached
    if time.monotonic() - loaded_at > TTL_SECONDS:
        rows = IdentityProvider.objects.filter(enabled=True).exclude(api_audience="").exclude(jwks_uri="")
        issuers = {p.issuer: (p.jwks_uri, p.api_audience, p.tenant_id) for p in rows}
        _cached = (time.monotonic(), issuers)
    return issuers


def forget() -> None:
    """After a provider changed: the next token reads the providers again."""
    global _cached
    _cached = (0.0, {})
