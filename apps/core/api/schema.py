"""OpenAPI: what the server does, in terms a generated client can use.

operationIds are `<domain>.<resource>.<action>` (generators nest them: `client.operations.accessRequests.list()`);
summaries and descriptions come from the resource's and the transition's own docs; every operation lists
the problem+json errors it can answer; writes on one record take `If-Match`, record responses carry `ETag`.
"""
import copy
import re

from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from ..models import STAMPED_FIELDS
from .serializers import ProblemSerializer, RecordSerializer

PROBLEM_MEDIA = ["application/problem+json"]
API_PREFIX = "/api/v1/"
RECORD_ACTIONS = {"retrieve": "get", "create": "create", "update": "replace", "partial_update": "update",
                  "destroy": "delete", "list": "list"}
ONE_RECORD = ("retrieve", "create", "update", "partial_update")  # answered with the record and its ETag
UPPER_WORDS = {"hr": "HR", "sla": "SLA", "api": "API"}

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The strong `ETag` you read, exactly as sent. A write against a changed record is refused with 412; "
                "so is a weak (`W/`) tag, which never matches (RFC 9110 strong comparison); `*` or no header skips the check.")
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=["200", "201"],
    description="This version of the record; send it back as `If-Match`.")


def own_doc(cls) -> str:
    """The class's own docstring (not a base class's, not Django's generated `Model(field, …)`)."""
    doc = (cls.__dict__.get("__doc__") if isinstance(cls, type) else getattr(cls, "__doc__", None)) or ""
    if isinstance(cls, type) and issubclass(cls, models.Model) and doc.startswith(f"{cls.__name__}("):
        return ""
    return " ".join(doc.split())


def camel(words: str) -> str:
    parts = [p for p in re.split(r"[-_\s]+", words) if p]
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:]) if parts else ""


def _noun(text: str) -> str:
    return " ".join(UPPER_WORDS.get(w, w) for w in str(text).split())


def _a(noun: str, plural: str) -> str:
    if noun == plural:  # uncountable: "equipment", "travel"
        return noun
    return ("an " if noun[:1].lower() in "aeiou" or noun.split()[0] in ("HR", "SLA") else "a ") + noun


def _error_codes(method: str, is_list: bool, detail: bool) -> list[str]:
    codes = ["401", "403", "429"]
    if method == "GET":  # a malformed URL (NUL characters) is a 400 on every one, a refused filter on lists
        return codes + ["400"] + (["404"] if detail else [])
    codes += ["400", "413", "415"]
    if detail:
        codes += ["404", "409", "412"]
    elif method == "POST":
        codes += ["409"]
    return codes


def name_enums(endpoints, **kwargs):
    """A preprocessing hook (SPECTACULAR_SETTINGS): the enums are named before any is built."""
    name_enums_after_models()
    return endpoints


def name_enums_after_models() -> None:
    """Give every choice set a stable OpenAPI name (`TicketStatusEnum`) instead of hash suffixes;
    the choices every record shares (`source_type`) are named after the field alone."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.text import camel_case_to_spaces

    from ..models import TenantModel

    shared = {f.name for f in TenantModel._meta.get_fields() if getattr(f, "choices", None)}
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
            prefix = "" if field.name in shared else model.__name__
            overrides[f"{prefix}{words}Enum"] = list(field.choices)


class ProblemAutoSchema(AutoSchema):
    # -- which operation this is -------------------------------------------------------
    def _api_path(self) -> bool:
        return self.path.startswith(API_PREFIX) and not self.path.startswith((API_PREFIX + "schema", API_PREFIX + "docs"))

    def _model(self):
        queryset = getattr(self.view, "queryset", None)
        return None if queryset is None else queryset.model

    def _transition(self):
        action = getattr(self.view, "action", None) or ""
        model = self._model()
        if not action.startswith("transition_") or model is None:
            return None
        from ..fsm import transitions_of

        return transitions_of(model).get(action.removeprefix("transition_"))

    def _resource(self) -> tuple[str, str]:
        """(domain, resource) from the path: /api/v1/<domain>/<resource>/…; a domain's only resource
        may sit at the domain's root (/api/v1/policies/) and is named after it."""
        parts = self.path.removeprefix(API_PREFIX).strip("/").split("/")
        domain = parts[0]
        resource = parts[1] if len(parts) > 1 and not parts[1].startswith("{") else domain
        return domain, camel(resource)

    def _action_name(self) -> str:
        action = getattr(self.view, "action", None) or self.method.lower()
        if action in RECORD_ACTIONS:
            return RECORD_ACTIONS[action]
        if action.startswith("transition_"):
            return camel(action.removeprefix("transition_"))
        if self.method == "GET":  # a nested list: comments -> listComments
            return "list" + camel(action)[:1].upper() + camel(action)[1:]
        return camel(action)

    def get_operation_id(self) -> str:
        if not self._api_path():
            return super().get_operation_id()
        domain, resource = self._resource()
        return f"{domain}.{resource}.{self._action_name()}"

    def get_tags(self) -> list[str]:
        if not self._api_path():
            return super().get_tags()
        return [self._resource()[0]]

    # -- words ---------------------------------------------------------------------------
    def _resource_doc(self) -> str:
        serializer = getattr(self.view, "serializer_class", None)
        model = self._model()
        for cls in (type(self.view), serializer, model):
            if cls is not None and own_doc(cls):
                return own_doc(cls)
        return ""

    def get_summary(self) -> str | None:
        model = self._model()
        if not self._api_path() or model is None:
            return super().get_summary()
        one, many = _noun(model._meta.verbose_name), _noun(model._meta.verbose_name_plural)
        action = getattr(self.view, "action", None)
        info = self._transition()
        if info is not None:
            return f"{info.name.replace('_', ' ').capitalize()} {_a(one, many)}"
        return {
            "list": f"List {many}", "retrieve": f"Get {_a(one, many)}", "create": f"Create {_a(one, many)}",
            "update": f"Replace {_a(one, many)}", "partial_update": f"Update {_a(one, many)}", "destroy": f"Delete {_a(one, many)}",
        }.get(action) or super().get_summary()

    def get_description(self) -> str:
        if not self._api_path() or self._model() is None:
            return super().get_description()
        action = getattr(self.view, "action", None)
        method_doc = own_doc(getattr(type(self.view), action, None) or object) if action else ""
        info = self._transition()
        text = {
            "list": "The records the caller may see, newest first, one cursor page at a time (follow `next`). "
                    "Filter by field (`?status=open`; `?field__in=a,b` takes comma-separated or repeated values; "
                    "person fields accept `me`), `search` and `ordering`.",
            "retrieve": "The `ETag` response header identifies this version; send it as `If-Match` when you write.",
            "create": "Server-stamped fields (`id`, `tenant_id`, `created_at`, …) are ignored if sent. "
                      "`status` starts at the initial state; change it with the transition operations.",
            "update": "Every writable field. Send `If-Match` with the `ETag` you read to refuse a stale write (412).",
            "partial_update": "Only the fields you send change. Send `If-Match` with the `ETag` you read to refuse "
                              "a stale write (412).",
            "destroy": "A soft delete: the record leaves every list and read. Send `If-Match` to refuse a stale delete (412).",
        }.get(action, "")
        if info is not None:
            text = transition_description(info)
        return "\n\n".join(part for part in (self._resource_doc(), method_doc, text) if part)

    # -- headers and errors ----------------------------------------------------------------
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if not self._api_path() or self._model() is None:
            return parameters
        action = getattr(self.view, "action", None)
        writes_one = action in ("update", "partial_update", "destroy") or self._transition() is not None
        if writes_one:
            parameters.append(IF_MATCH)
        if action in ONE_RECORD or self._transition() is not None or action == "rotate":
            parameters.append(ETAG)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self._api_path():
            return responses
        detail = "{" in self.path
        for code in _error_codes(self.method, self._is_list_view(), detail):
            if code not in responses or not responses[code].get("content"):
                responses[code] = self._get_response_for_code(ProblemSerializer, code, PROBLEM_MEDIA, direction)
                responses[code]["description"] = (READ_ERROR_DESCRIPTIONS if self.method == "GET" else
                                                  ERROR_DESCRIPTIONS)[code]
        for code, response in responses.items():
            if not response.get("description"):
                response["description"] = SUCCESS_DESCRIPTIONS.get(code, "Success.")
        return responses

    # -- fields ------------------------------------------------------------------------------
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        doc = own_doc(type(serializer))
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        doc = doc or (own_doc(model) if model is not None else "")
        if doc:
            schema["description"] = doc
        else:
            schema.pop("description", None)
        return schema

    def _postprocess_serializer_schema(self, schema, serializer, direction):
        schema = super()._postprocess_serializer_schema(schema, serializer, direction)
        if direction == "request" and isinstance(serializer, RecordSerializer):
            self._accept_server_stamps(serializer, schema)
        return schema

    def _accept_server_stamps(self, serializer, schema) -> None:
        """Clients may echo a record back (the resource pages' examples send `id`, `tenant_id`,
        `created_at` …); the server ignores those fields, so a request may carry them."""
        properties = schema.setdefault("properties", {})
        for name in STAMPED_FIELDS:
            field = serializer.fields.get(name)
            if field is None or name in properties:
                continue
            stamped = dict(self._map_serializer_field(field, "response"))
            stamped.pop("readOnly", None)
            stamped["description"] = "Server-stamped: ignored if sent (a value of another type is a 400)."
            properties[name] = stamped


SUCCESS_DESCRIPTIONS = {"200": "OK.", "201": "Created.", "204": "Done; no body."}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`errors` names each field); nothing changed.",
    "401": "No or invalid credentials (a Bearer JWT or an `X-API-Key`).",
    "403": "The caller may not do this (role, scope, or segregation of duties).",
    "404": "No such record in the caller's tenant (or not visible to the caller).",
    "409": "Conflict: the transition is not allowed from the current status (`allowed_transitions`), "
           "a stale `version`, or a duplicate.",
    "412": "`If-Match` does not match the record's current `ETag`; read it again.",
    "413": "The request body is too large.",
    "415": "The request body is not `application/json`.",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
}
READ_ERROR_DESCRIPTIONS = {
    **ERROR_DESCRIPTIONS,
    "400": "A malformed request: a filter value it refuses (`errors` names each), or NUL characters in the URL.",
}


def transition_description(info) -> str:
    sources = ", ".join(f"`{s}`" for s in sorted(str(s) for s in info.sources))
    roles = ", ".join(("admin",) + tuple(info.roles)) if info.roles is not None else "anyone who can see the record"
    parts = [
        info.custom.get("doc", ""),
        f"From {sources} to `{info.target}`. Allowed for: {roles}."
        + (" The requester may not run it (segregation of duties)." if info.custom.get("sod") else "")
        + (" The requester may run it." if info.custom.get("requester_may") else ""),
        "A status that does not allow it is a 409 listing `allowed_transitions`. "
        "Send `If-Match` with the `ETag` you read to refuse a stale write (412).",
    ]
    return "\n\n".join(p for p in parts if p)


class ShapedJSONFieldSchema(OpenApiSerializerFieldExtension):
    """A JSON field's schema is the shape its model declares (apps/core/json_shapes.py)."""

    target_class = "apps.core.api.serializers.ShapedJSONField"

    def map_serializer_field(self, auto_schema, direction):
        return copy.deepcopy(self.target.shape)


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


def polish_paths(result, generator, request, public):
    """Paths as integrators write them (`/api/v1/operations/access-requests/{id}`; the router answers
    both forms)."""
    result["paths"] = {path.rstrip("/") if path != "/" else path: item for path, item in result["paths"].items()}
    return result
