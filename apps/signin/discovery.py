"""OpenID Connect discovery: a provider's endpoints from `<issuer>/.well-known/openid-configuration`."""
import requests
from django.core.exceptions import ValidationError

ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


def discover(issuer: str, *, timeout: float = 5.0) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationError(f"Could not read the discovery document at {url}: {exc}") from exc
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ValidationError(f"The discovery document at {url} names another issuer "
                              f"({document.get('issuer') if isinstance(document, dict) else '?'!r}).")
    missing = [name for name in ENDPOINTS if not document.get(name)]
    if missing:
        raise ValidationError(f"The discovery document at {url} has no {', '.join(missing)}.")
    return {name: document[name] for name in ENDPOINTS}
