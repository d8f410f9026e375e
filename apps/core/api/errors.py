"""RFC 9457 problem details for every error under /api/."""
import logging

import structlog

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ..exceptions import DomainError

logger = logging.getLogger("apps.api")
PROBLEM = "application/problem+json"

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    406: "Not acceptable", 409: "Conflict", 412: "Precondition failed", 413: "Payload too large",
    415: "Unsupported media type", 429: "Too many requests", 500: "Internal server error",
}
CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 412: "precondition_failed",
    413: "payload_too_large", 415: "unsupported_media_type", 429: "throttled", 500: "server_error",
}


def problem(status_code: int, detail: str, *, code: str | None = None, title: str | None = None, **extra) -> dict:
    body = {
        "type": "about:blank",
        "title": title or TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code or CODES.get(status_code, "error"),
    }
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:  # the id a client quotes when reporting this error (also the X-Request-ID header)
        body["request_id"] = request_id
    body.update(extra)
    return body


def problem_response(status_code: int, detail: str, **kwargs) -> JsonResponse:
    return JsonResponse(problem(status_code, detail, **kwargs), status=status_code, content_type=PROBLEM)


def _flatten(errors, prefix: str = "") -> list[dict]:
    """DRF's nested error structure as a flat list of {field, message}."""
    out = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            field = key if key != api_settings.NON_FIELD_ERRORS_KEY else None
            name = f"{prefix}.{field}" if prefix and field else (field or prefix or None)
            out.extend(_flatten(value, name or ""))
    elif isinstance(errors, list):
        for i, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                out.extend(_flatten(value, f"{prefix}[{i}]" if isinstance(value, dict) else prefix))
            else:
                out.append({"field": prefix or None, "message": str(value)})
    else:
        out.append({"field": prefix or None, "message": str(errors)})
    return out


def validation_problem(detail_dict) -> dict:
    errors = _flatten(detail_dict)
    named = ", ".join(sorted({e["field"] for e in errors if e["field"]}))
    detail = f"Invalid input: {named}." if named else (errors[0]["message"] if errors else "Invalid input.")
    return problem(400, detail, code="validation_error", title="Validation failed", errors=errors)


def problem_exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DomainError):
        body = problem(exc.status, exc.detail, code=exc.code, title=exc.title, **exc.extra)
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        body = validation_problem(detail)
    elif isinstance(exc, exceptions.ValidationError):
        body = validation_problem(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        body = problem(400, str(exc.detail), code="malformed_request")
    elif isinstance(exc, Http404):
        body = problem(404, "No such record in your tenant.")
    elif isinstance(exc, DjangoPermissionDenied):
        body = problem(403, str(exc) or "Forbidden.")
    elif isinstance(exc, exceptions.APIException):
        code = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem(code, str(detail), code=CODES.get(code, getattr(exc, "default_code", "error")))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait) + 1)
    elif isinstance(exc, IntegrityError):
        body = problem(409, "The change conflicts with an existing record (a unique value is taken).", code="conflict")
    elif isinstance(exc, DataError):
        body = problem(400, "A value is out of range or malformed for its field.", code="invalid_value")
    else:
        logger.exception("Unhandled API error", exc_info=exc)
        body = problem(500, "Something went wrong on our side; nothing was changed.")
    request = context.get("request")
    if getattr(request, "own_transaction", False):
        transaction.set_rollback(True)  # nothing of a failed request is committed
    response = Response(body, status=body["status"], headers=headers, content_type=PROBLEM)
    if body["status"] == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in headers:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
