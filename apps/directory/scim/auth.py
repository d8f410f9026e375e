"""SCIM requests authenticate with a per-tenant bearer token (apps.directory.models.ScimToken).

The token's tenant scopes every lookup: another tenant's person or group is a 404.
"""
import json

from django.http import HttpResponse
from django_scim import constants

from apps.core.principal import Principal

from ..services import scim_token_for


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = {"schemas": [constants.SchemaURI.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(json.dumps(body), status=status, content_type=constants.SCIM_CONTENT_TYPE)


def principal_for_token(token) -> Principal:
    """Provisioning acts as the tenant's admin, recorded as the token (`scim:<token id>`)."""
    return Principal(person_id=f"scim:{token.pk}", tenant_id=token.tenant_id, roles=frozenset({"admin"}),
                     source_type="api", extra={"scim_token": token.pk})


class ScimTokenAuth:
    """Wraps each SCIM view (django-scim2's AUTH_CHECK_MIDDLEWARE hook): `Authorization: Bearer <token>`
    or a 401. Admin sessions do not count: only a token names the tenant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request, *args, **kwargs):
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = scim_token_for(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
        if token is None:
            response = scim_error(401, "A valid SCIM bearer token is required.")
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
            return response
        request.user = principal_for_token(token)
        request.scim_token = token
        return self.get_response(request, *args, **kwargs)


def base_location(request=None, *args, **kwargs) -> str:
    """Resource locations are absolute URLs on the host the client called."""
    return f"{request.scheme}://{request.get_host()}" if request is not None else ""


def tenant_filter_getter(model):
    def extra_filter_kwargs(request, *args, **kwargs):
        return {"tenant_id": request.user.tenant_id}

    return extra_filter_kwargs
