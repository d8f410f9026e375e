"""The schema states what the server enforces (a drf-spectacular postprocessing hook, after
`polish_paths`): conditional GETs and rate limits, query parameters that refuse empty values, a
description on every filter, `ordering` as a list of its allowed values, field aliases marked
deprecated with their canonical name, every response field `required` (a record is always rendered
whole), and the conditional requirements a service checks (`CONDITIONAL_REQUIREMENTS`)."""
import functools
import re

from django.apps import apps

from .conventions import IS_DELETED_HELP

API_PREFIX = "/api/v1/"
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window (API keys with `rpm_limit`; absent for callers without a limit).",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1},
    "description": "An `ETag` you read: if the representation is unchanged the answer is 304 with no body "
                   "(weak comparison, RFC 9110).",
}
BODY_IS_AN_OBJECT = ("The body is a JSON object: `null`, an array, a scalar or only whitespace is a 400 "
                     "(no body at all is an empty object).")
SERVER_SET_IGNORED = ("Set by the server and ignored when sent, whatever their value (as any field not "
                      "listed here): {fields}.")
DEPRECATION_HEADERS = {
    "Deprecation": "Present when the request used something deprecated (this operation, or a field alias): "
                   "`@<unix time>` it was deprecated at (RFC 9745). `Link: <…>; rel=\"deprecation\"` names the replacement.",
    "Sunset": "When what this request used stops working, as an HTTP-date (RFC 8594).",
}
LOOKUP_WORDS = {"gte": "on or after / at least", "lte": "on or before / at most", "gt": "after / more than",
                "lt": "before / less than"}
# Rules a service enforces across fields, stated as JSON Schema on the request body they apply to.
CONDITIONAL_REQUIREMENTS = {
    "IntegrationApiKeyRequest": {
        "description": "Exactly one of `application_id` (a key acting for that application) or `tenant_wide: true` "
                       "(a key across the whole tenant; admins only).",
        "oneOf": [
            {"title": "Bound to an application", "required": ["application_id"],
             "properties": {"application_id": {"type": "string", "minLength": 1}, "tenant_wide": {"const": False}}},
            {"title": "Tenant-wide", "required": ["tenant_wide"],
             "properties": {"tenant_wide": {"const": True}, "application_id": {"type": "null"}}},
        ],
    },
}


def _aliases() -> dict[str, dict[str, str]]:
    """{model name: {alias: canonical}} for every model that declares aliases."""
    return {model.__name__: dict(model.field_aliases) for model in apps.get_models()
            if getattr(model, "field_aliases", None)}


def _component_model(name: str) -> str:
    return re.sub(r"^(Patched|Paginated)|(Request|List)$", "", name)


def _views_by_path(generator) -> dict[tuple[str, str], object]:
    found = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or ():
        found[(path.replace("{pk}", "{id}").rstrip("/") or "/", method.lower())] = callback  # as polish_paths names it
    return found


def _describe(name: str, alias_of: dict[str, str]) -> str:
    field, _, lookup = name.partition("__")
    canonical = alias_of.get(field)
    if field == "is_deleted":
        return IS_DELETED_HELP
    if field == "search":
        return "Text the record's text fields contain (case-insensitive); must not be empty."
    text = (f"Records whose `{field}` is {LOOKUP_WORDS[lookup]} this value." if lookup in LOOKUP_WORDS
            else f"Records whose `{field}` equals this value.")
    if field.endswith("_id") or field.endswith("_by") or field in ("id", "assignee", "sla_policy"):
        text += " Person fields take `me` for the caller."
    if canonical:
        text += f" Deprecated alias of `{canonical}`."
    return text


def _query_parameters(operation: dict, view, alias_of: dict[str, str]) -> None:
    ordering = sorted(getattr(getattr(view, "cls", None), "ordering_fields", None) or ())
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        name, schema = parameter["name"], parameter.setdefault("schema", {})
        if name == "ordering" and ordering:
            parameter["schema"] = {"type": "array", "items": {"type": "string", "enum": [
                term for field in ordering for term in (field, f"-{field}")]}, "minItems": 1}
            parameter["style"], parameter["explode"] = "form", False
            parameter["description"] = ("Sort by these fields, comma-separated, in order; prefix `-` for descending "
                                        "(`-created_at,id`). Default: newest first.")
            continue
        # Every query parameter refuses an empty value (`?search=` is a 400), so none takes one.
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)
        elif schema.get("type") == "array" and schema.get("items", {}).get("type") == "string":
            schema["items"].setdefault("minLength", 1)
            schema.setdefault("minItems", 1)
        if not parameter.get("description") or parameter["description"].startswith("* `"):
            choices = parameter.get("description", "")
            parameter["description"] = _describe(name, alias_of) + (f"\n\n{choices}" if choices else "")
        if name.partition("__")[0] in alias_of:
            parameter["deprecated"] = True


def _request_bodies(paths: dict) -> set[str]:
    """The components used as request bodies (a name cannot tell: `AccessRequest` is a response)."""
    names = set()
    for item in paths.values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref.startswith("#/components/schemas/"):
                    names.add(ref.rpartition("/")[2])
    return names


def _record_of_request(name: str) -> str:
    return re.sub(r"^Patched|Request$", "", name)


def _server_set_fields(name: str, schema: dict, schemas: dict) -> None:
    """A request body says which of its record's fields the server sets: they are ignored when sent,
    whatever their value (the API's one rule for them), and the body itself must be an object."""
    record = schemas.get(_record_of_request(name), {}).get("properties") or {}
    server_set = sorted(set(record) - set(schema.get("properties") or {}))
    text = BODY_IS_AN_OBJECT
    if server_set:
        text += " " + SERVER_SET_IGNORED.format(fields=", ".join(f"`{field}`" for field in server_set))
    schema["description"] = f"{schema.get('description', '')}\n\n{text}".strip()


def _components(schemas: dict, aliases: dict[str, dict[str, str]], request_bodies: set[str]) -> None:
    for name, schema in schemas.items():
        if name in request_bodies and schema.get("type") == "object":
            _server_set_fields(name, schema, schemas)
        properties = schema.get("properties")
        if not properties:
            continue
        model = (_record_of_request(name) if name in request_bodies
                 else name if name in _record_models() else _component_model(name))
        alias_of = aliases.get(model, {})
        for alias, canonical in alias_of.items():
            if alias in properties:
                properties[alias] = {**properties[alias], "deprecated": True,
                                     "description": f"Deprecated alias of `{canonical}` (one stored value); use `{canonical}`."}
        is_response = name not in request_bodies and not name.startswith(("Patched", "Paginated"))
        if is_response and model in _record_models():
            schema["required"] = sorted(properties)
        if name in CONDITIONAL_REQUIREMENTS:
            rule = CONDITIONAL_REQUIREMENTS[name]
            schema["oneOf"] = rule["oneOf"]
            schema["description"] = f"{schema.get('description', '')}\n\n{rule['description']}".strip()


@functools.cache
def _record_models() -> set[str]:
    from ..models import TenantModel

    return {model.__name__ for model in apps.get_models() if issubclass(model, TenantModel)}


def _rate_limit_headers(operation: dict) -> None:
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2") or code == "429":
            headers = response.setdefault("headers", {})
            for header in RATE_LIMIT_HEADERS:
                headers[header] = {"$ref": f"#/components/headers/{header}"}


def _deprecation(operation: dict, view, method: str, model) -> None:
    cls = getattr(view, "cls", None)
    action = (getattr(view, "actions", None) or {}).get(method)
    declared = (getattr(cls, "deprecated_actions", None) or {}).get(action)
    if declared is not None:
        operation["deprecated"] = True
        sunset = f", and stops working on {declared.sunset.isoformat()}" if declared.sunset else ""
        operation["description"] = (f"{operation.get('description', '')}\n\n**Deprecated** since "
                                    f"{declared.since.isoformat()}{sunset}: use {declared.use_instead}.").strip()
    if declared is None and not getattr(model, "field_aliases", None):
        return
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2"):
            headers = response.setdefault("headers", {})
            for header in DEPRECATION_HEADERS:
                headers[header] = {"$ref": f"#/components/headers/{header}"}


def _conditional_get(operation: dict) -> None:
    if "200" not in operation.get("responses", {}):
        return
    operation.setdefault("parameters", []).append(dict(IF_NONE_MATCH))
    operation["responses"]["304"] = {"description": "Not modified: your copy (`If-None-Match`) is current."}
    operation["responses"]["200"].setdefault("headers", {}).setdefault("ETag", {
        "schema": {"type": "string"}, "description": "This representation's version; send it as `If-None-Match`."})


def state_the_contract(result, generator, request, public):
    aliases = _aliases()
    views = _views_by_path(generator)
    result.setdefault("components", {})["headers"] = {
        **{name: {"schema": {"type": "integer", "minimum": 0}, "description": text}
           for name, text in RATE_LIMIT_HEADERS.items()},
        **{name: {"schema": {"type": "string"}, "description": text} for name, text in DEPRECATION_HEADERS.items()}}
    for path, item in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            view = views.get((path, method))
            model = getattr(getattr(getattr(view, "cls", None), "queryset", None), "model", None)
            _query_parameters(operation, view, aliases.get(getattr(model, "__name__", ""), {}))
            _rate_limit_headers(operation)
            _deprecation(operation, view, method, model)
            if method == "get":
                _conditional_get(operation)
    _components(result.get("components", {}).get("schemas", {}), aliases, _request_bodies(result.get("paths", {})))
    return result
