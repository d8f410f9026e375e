"""OpenAPI: every POST and PATCH under /api/v1/ takes `Idempotency-Key` (a drf-spectacular postprocessing hook)."""
from .services import HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER, retention

API_PREFIX = "/api/v1/"
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def parameter() -> dict:
    hours = int(retention().total_seconds() // 3600)
    return {
        "name": HEADER, "in": "header", "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"^[!-~]([ -~]*[!-~])?$"},
        "description": (
            f"A unique key per intended change (a UUID). Retrying with the same key and the same request within "
            f"{hours} h returns the first response (with `{REPLAYED_HEADER}: true`) instead of changing anything "
            "again; the same key with a different method, path or body is a 422; while the first request is still "
            "running a retry is a 409. Keys belong to the caller (person, application, API key). Only successful "
            "responses are kept: an error changed nothing, so a retry runs again."),
    }


def document_idempotency_key(result, generator, request, public):
    for path, item in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method in ("post", "patch"):
            operation = item.get(method)
            if operation is None:
                continue
            operation.setdefault("parameters", []).append(parameter())
            responses = operation.setdefault("responses", {})
            responses["422"] = {"description": f"`{HEADER}` was already used with a different request.", "content": PROBLEM}
            conflict = responses.setdefault("409", {"content": PROBLEM, "description": "Conflict."})
            conflict["description"] = conflict["description"].rstrip(".") + (
                f", or a request with this `{HEADER}` is still in progress.")
            for code in ("200", "201"):
                if code in responses:
                    responses[code].setdefault("headers", {})[REPLAYED_HEADER] = {
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": f"Present when this is the stored response to an earlier request with this `{HEADER}`."}
    return result
