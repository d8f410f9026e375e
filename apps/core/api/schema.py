"""OpenAPI: problem+json error responses on every operation, auth schemes for our authenticators."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from .serializers import ProblemSerializer

PROBLEM_MEDIA = ["application/problem+json"]


def _error_codes(method: str, is_list: bool, detail: bool) -> list[str]:
    codes = ["401", "429"]
    if method == "GET":
        return codes + (["400"] if is_list else []) + (["404"] if detail else [])
    codes += ["400", "403", "413", "415"]
    if detail:
        codes += ["404", "409", "412"]
    elif method == "POST":
        codes += ["409"]
    return codes


def name_enums_after_models() -> None:
    """Give every choice set a stable OpenAPI name (`TicketStatusEnum`) instead of hash suffixes."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.text import camel_case_to_spaces

    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    seen = {tuple(sorted(str(v) for v, _ in choices)) for choices in overrides.values() if isinstance(choices, list)}
    for model in apps.get_models():
        if model._meta.app_label not in ("helpdesk", "operations", "approvals", "policies", "integration"):
            continue
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            key = tuple(sorted(str(v) for v, _ in field.choices))
            if key in seen:
                continue
            seen.add(key)
            words = camel_case_to_spaces(field.name).title().replace(" ", "").replace("_", "")
            overrides[f"{model.__name__}{words}Enum"] = list(field.choices)


class ProblemAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/v1/") or self.path.startswith("/api/v1/schema") or self.path.startswith("/api/v1/docs"):
            return responses
        detail = "{" in self.path
        for code in _error_codes(self.method, self._is_list_view(), detail):
            if code not in responses or not responses[code].get("content"):
                responses[code] = self._get_response_for_code(ProblemSerializer, code, PROBLEM_MEDIA, direction)
        return responses


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.auth.JWTAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}
