"""OpenID Connect discovery: a provider's endpoints from `<issuer>/.well-known/openid-configuration`,
and the same checks for endpoints entered by hand (the JWKS must be a key set the issuer serves)."""
import jwt
import requests
from django.core.exceptions import ValidationError

ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


class DiscoveryUnavailable(ValidationError):
    """The discovery document could not be read (as opposed to one that answers wrongly)."""


def discover(issuer: str, *, timeout: float = 5.0) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryUnavailable(f"Could not read the discovery document at {url}: {exc}") from exc
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ValidationError(f"The discovery document at {url} names another issuer "
                              f"({document.get('issuer') if isinstance(document, dict) else '?'!r}).")
    missing = [name for name in ENDPOINTS if not document.get(name)]
    if missing:
        raise ValidationError(f"The discovery document at {url} has no {', '.join(missing)}.")
    return {name: document[name] for name in ENDPOINTS}


def check_key_set(jwks_uri: str, *, timeout: float = 5.0) -> None:
    """The JWKS URI answers a key set with at least one signing key (what discovery's `jwks_uri`
    would be trusted for)."""
    try:
        response = requests.get(jwks_uri, timeout=timeout, allow_redirects=False)
        response.raise_for_status()
        keys = jwt.PyJWKSet.from_dict(response.json())
    except (requests.RequestException, ValueError, jwt.PyJWTError) as exc:
        raise ValidationError(f"{jwks_uri} does not answer a JSON Web Key Set: {exc}") from exc
    if not keys.keys:
        raise ValidationError(f"{jwks_uri} publishes no usable signing key.")


def check_hand_entered(issuer: str, endpoints: dict, *, timeout: float = 5.0) -> None:
    """Endpoints typed in instead of discovered: the issuer's discovery document, when it answers,
    must name this issuer; and the JWKS must be a key set."""
    try:
        discover(issuer, timeout=timeout)
    except DiscoveryUnavailable:
        pass  # a provider without discovery: the hand-entered endpoints are all there is
    check_key_set(endpoints["jwks_uri"], timeout=timeout)
