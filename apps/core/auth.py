"""Authentication: JWT bearer tokens (people, apps with client_id) and integration API keys."""
import time

import jwt
import structlog
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from redis.exceptions import RedisError
from rest_framework import authentication, exceptions

from .directory_link import directory
from .principal import Principal

API_KEY_PREFIX = "sk-"
CACHE_DOWN = (RedisError, OSError)


def presented_credential(request) -> str | None:
    """The one credential of the request (a JWT or an `sk-` key), or None when it sends none.

    Whatever is sent must be valid: a malformed Authorization header, an X-API-Key that is not a
    key, or two different credentials are 401, never ignored in favour of a valid one beside them."""
    header = request.META.get("HTTP_AUTHORIZATION")
    api_key = request.META.get("HTTP_X_API_KEY")
    bearer = None
    if header is not None and header.strip():
        scheme, _, token = header.strip().partition(" ")
        bearer = token.strip()
        if scheme.lower() != "bearer" or not bearer:
            raise exceptions.AuthenticationFailed("The Authorization header must be `Bearer <token>`.")
    if api_key is not None:
        api_key = api_key.strip()
        if not api_key.startswith(API_KEY_PREFIX):
            raise exceptions.AuthenticationFailed("X-API-Key must carry an integration API key (sk-…).")
    if bearer and api_key and bearer != api_key:
        raise exceptions.AuthenticationFailed("Send one credential: Authorization or X-API-Key, not both.")
    return api_key or bearer


# Tokens that passed verification, by their exact text: a client sends the same token on every
# request, and verifying it (base64, JSON, HMAC or RSA/EC) is a measurable share of an API read. Only
# success is remembered, keyed also on the verification settings, and `exp` is checked again on
# every hit: a remembered token answers exactly as a fresh verification would (a JWKS token's
# `kid` must also still be published in the cached key set).
_verified: dict[str, tuple[tuple, int, dict, str | None]] = {}
VERIFIED_TOKENS_MAX = 4096
JWKS_ALGORITHMS = ("RS256", "ES256")


class KeySetUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The identity provider's signing keys (JWKS) cannot be fetched; try again shortly."
    default_code = "jwks_unavailable"


class JWKSKeys:
    """One JWKS URL's keys (PyJWT's PyJWKClient): the key set is cached for `lifespan` seconds, an
    unknown `kid` refreshes it at most once per `min_refresh` seconds (PyJWT's cooldown), so a
    flood of tokens with made-up key ids cannot turn into a flood of requests to the provider."""

    def __init__(self, url: str, *, lifespan: float, min_refresh: float, timeout: float):
        self.client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=lifespan, timeout=timeout,
                                      cooldown_duration=min_refresh)

    def signing_key(self, token: str) -> jwt.PyJWK:
        try:
            return self.client.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise KeySetUnavailable() from exc
        except jwt.PyJWKClientError as exc:
            raise exceptions.AuthenticationFailed(f"Invalid token: {exc}.") from exc
        except ValueError as exc:  # the endpoint answered something that is not JSON
            raise KeySetUnavailable("The identity provider's JWKS endpoint answered no key set.") from exc
        except jwt.PyJWTError as exc:  # a malformed token, or a key set without usable keys
            raise exceptions.AuthenticationFailed(f"Invalid token: {exc}.") from exc

    def publishes(self, kid) -> bool:
        """Whether the cached (unexpired) key set still holds `kid`; False sends the token back
        through full verification, which refetches an expired set."""
        cache = self.client.jwk_set_cache
        keys = cache.get() if cache is not None else None
        return keys is not None and any(key.key_id == kid for key in keys.keys)


_key_sets: dict[tuple, JWKSKeys] = {}


def jwks_keys(url: str, tenant_id: str | None = None) -> JWKSKeys:
    """The key set of `url` as one tenant's provider (or, tenant None, the platform) sees it: a key set
    per (url, tenant), so a tenant pointing its provider at another's JWKS URL shares neither its
    cached keys nor its refresh budget (unknown `kid`s cannot hold back the other's rotation)."""
    key = (url, tenant_id, settings.JWT_JWKS_CACHE_SECONDS, settings.JWT_JWKS_MIN_REFRESH_SECONDS,
           settings.JWT_JWKS_TIMEOUT_SECONDS)
    keys = _key_sets.get(key)
    if keys is None:
        keys = _key_sets[key] = JWKSKeys(url, lifespan=key[2], min_refresh=key[3], timeout=key[4])
    return keys


def _tenant_issuer_config(token: str) -> tuple | None:
    """A tenant's own identity provider may issue service tokens (apps.signin: issuer, JWKS and API
    audience per tenant); matched by the token's (unverified) `iss`, then verified with that
    provider's keys, issuer and audience. None: not such a token."""
    lookup = getattr(settings, "JWT_TENANT_ISSUERS", None)
    if not lookup:
        return None
    issuers = import_string(lookup)()
    if not issuers:
        return None
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed(f"Invalid token: {exc}.") from exc
    if not isinstance(issuer, str) or (settings.JWT_ISSUER and issuer == settings.JWT_ISSUER):
        return None  # the platform's issuer is verified with the platform's keys, whatever a tenant entered
    found = issuers.get(issuer)
    if found is None:
        return None
    jwks_url, audience, tenant_id = found
    return ("jwks", jwks_url, JWKS_ALGORITHMS, audience, issuer, settings.JWT_LEEWAY_SECONDS, tenant_id)


def _jwt_config(token: str) -> tuple:
    """(kind, key, algorithms, audience, issuer, leeway, tenant): JWKS (a tenant's provider, or
    JWT_JWKS_URL), else the static JWT_PUBLIC_KEY, else the JWT_SECRET."""
    tenant_config = _tenant_issuer_config(token)
    if tenant_config is not None:
        return tenant_config
    if settings.JWT_JWKS_URL:
        kind, key, algorithms = "jwks", settings.JWT_JWKS_URL, JWKS_ALGORITHMS
    elif settings.JWT_PUBLIC_KEY:
        kind, key, algorithms = "static", settings.JWT_PUBLIC_KEY, ("RS256", "ES256")
    elif settings.JWT_SECRET:
        kind, key, algorithms = "static", settings.JWT_SECRET, ("HS256",)
    else:
        raise exceptions.AuthenticationFailed("JWT verification is not configured on this server.")
    return kind, key, algorithms, settings.JWT_AUDIENCE, settings.JWT_ISSUER, settings.JWT_LEEWAY_SECONDS, None


def _verify_jwt(token: str, config: tuple) -> dict:
    kind, key, algorithms, audience, issuer, leeway, tenant_id = config
    options = {"require": ["exp", "sub"], "verify_aud": bool(audience)}
    kwargs = {"audience": audience or None, "leeway": leeway}
    if issuer:
        kwargs["issuer"] = issuer
        options["require"].append("iss")
    if kind == "jwks":
        key = jwks_keys(key, tenant_id).signing_key(token)
    try:
        claims = jwt.decode(token, key, algorithms=list(algorithms), options=options, **kwargs)
    except jwt.ExpiredSignatureError as exc:
        raise exceptions.AuthenticationFailed("The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise exceptions.AuthenticationFailed(f"Invalid token: {exc}.") from exc
    if tenant_id is not None:  # a tenant's provider speaks for that tenant only
        if claims.setdefault("tenant_id", tenant_id) != tenant_id:
            raise exceptions.AuthenticationFailed("The token's tenant_id is not its issuer's tenant.")
    return claims


def decode_jwt(token: str) -> dict:
    config = _jwt_config(token)
    hit = _verified.get(token)
    if hit is not None and hit[0] == config and (config[0] != "jwks" or jwks_keys(config[1], config[6]).publishes(hit[3])):
        # PyJWT's own rule: expired when exp <= now - leeway, now in whole seconds.
        if hit[1] <= int(time.time()) - config[5]:
            _verified.pop(token, None)
            raise exceptions.AuthenticationFailed("The token has expired.")
        return dict(hit[2])
    claims = _verify_jwt(token, config)
    kid = jwt.get_unverified_header(token).get("kid") if config[0] == "jwks" else None
    if len(_verified) >= VERIFIED_TOKENS_MAX:
        _verified.clear()
    _verified[token] = (config, int(claims["exp"]), claims, kid)
    return dict(claims)


def app_slug_for_client(tenant_id: str, client_id: str) -> str | None:
    """The Application whose `oauth_client_id` matches; cached briefly (one query per minute)."""
    key = f"client-app:{tenant_id}:{client_id}"
    try:
        slug = cache.get(key)
    except CACHE_DOWN:  # the cache is an optimisation here: read the database
        slug = None
    if slug is None:
        from django.apps import apps

        Application = apps.get_model("integration", "Application")
        slug = (
            Application.objects.filter(tenant_id=tenant_id, oauth_client_id=client_id)
            .values_list("slug", flat=True)
            .first()
        ) or ""
        try:
            cache.set(key, slug, 60)
        except CACHE_DOWN:
            pass
    return slug or None


def log_as(principal: Principal) -> Principal:
    """Every log line of the rest of the request names the caller (django-structlog clears this per request)."""
    structlog.contextvars.bind_contextvars(tenant=principal.tenant_id, person=principal.person_id, app=principal.app_id)
    return principal


class JWTAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        token = presented_credential(request)
        if token is None or token.startswith(API_KEY_PREFIX):
            return None
        claims = decode_jwt(token)
        tenant_id = claims.get("tenant_id")
        sub = claims.get("sub")
        if not isinstance(tenant_id, str) or not tenant_id or not isinstance(sub, str) or not sub:
            raise exceptions.AuthenticationFailed("The token must carry string claims 'sub' and 'tenant_id'.")
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [r for r in roles.replace(",", " ").split() if r]
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise exceptions.AuthenticationFailed("The 'roles' claim must be a list of strings.")
        app_id = None
        client_id = claims.get("client_id")
        if isinstance(client_id, str) and client_id:
            app_id = app_slug_for_client(tenant_id, client_id)
        signed_in = claims.get("auth_time") or claims.get("iat")  # when the caller last proved who they are
        principal = Principal(person_id=sub[:64], tenant_id=tenant_id[:64], roles=frozenset(roles), app_id=app_id,
                              extra={"signed_in_at": signed_in} if isinstance(signed_in, (int, float)) else {})
        if directory().is_deactivated(principal.tenant_id, principal.person_id):
            raise exceptions.AuthenticationFailed("The token's subject is deactivated in the tenant's directory.")
        return log_as(principal), claims

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer sk-…` or `X-API-Key: sk-…`; resolved by the integration domain."""

    def authenticate(self, request):
        raw = presented_credential(request)
        if not raw or not raw.startswith(API_KEY_PREFIX):
            return None
        resolver = getattr(settings, "API_KEY_RESOLVER", "apps.integration.auth.resolve_api_key")
        try:
            resolve = import_string(resolver)
        except ImportError as exc:
            raise exceptions.AuthenticationFailed("API keys are not enabled.") from exc
        principal = resolve(raw, request=request)
        if principal is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked, blocked or expired API key.")
        return log_as(principal), None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
