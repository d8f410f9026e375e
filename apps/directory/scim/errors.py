"""SCIM errors as RFC 7644 §3.12 wants them, whatever the input: `status` a string, `scimType` on a
400, 413 for a body over the limit, and bodies no longer than the limit, nested no deeper than
MAX_DEPTH and made of text PostgreSQL can store (no lone surrogates, no NUL) — or a 400."""
import json

from django.conf import settings
from django.db import DatabaseError, transaction
from django.core.exceptions import RequestDataTooBig
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django_scim import constants, exceptions

from .auth import scim_error

MAX_DEPTH = 32  # SCIM resources nest a few levels (extension → manager → value); far below recursion limits

# django-scim2 raises plain BadRequestErrors; its messages say which RFC 7644 scimType they are.
SCIM_TYPES = (("Invalid filter", "invalidFilter"), ("Could not decode JSON", "invalidSyntax"),
              ("empty body", "invalidSyntax"), ("without operations", "invalidSyntax"),
              ("Invalid schema uri", "invalidSyntax"), ("No filter query", "invalidFilter"))


def bad_request(detail: str, scim_type: str) -> exceptions.BadRequestError:
    return exceptions.BadRequestError(detail, scim_type=scim_type)


def _check_value(value, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise bad_request(f"The body nests deeper than {MAX_DEPTH} levels.", "invalidSyntax")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise bad_request("A string holds a lone surrogate (not valid Unicode).", "invalidValue") from exc
        if "\x00" in value:
            raise bad_request("A string holds a NUL character.", "invalidValue")
    elif isinstance(value, dict):
        for key, inner in value.items():
            _check_value(key, depth + 1)
            _check_value(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _check_value(inner, depth + 1)


def load_json_object(body: bytes) -> dict:
    """The request body as a JSON object (empty body: {}), or a SCIM 400."""
    try:
        text = body.decode(constants.ENCODING).strip() or "{}"
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        raise bad_request("The body is not UTF-8.", "invalidSyntax") from exc
    except RecursionError as exc:
        raise bad_request(f"The body nests deeper than {MAX_DEPTH} levels.", "invalidSyntax") from exc
    except ValueError as exc:
        raise bad_request(f"Could not decode JSON body: {exc}", "invalidSyntax") from exc
    if not isinstance(document, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    _check_value(document)
    return document


def _shaped(response):
    """A SCIM error body with `status` as a string and, on a 400, a scimType."""
    if response.status_code < 400 or not response.content:
        return response
    try:
        doc = json.loads(response.content)
    except ValueError:
        return response
    if not isinstance(doc, dict) or constants.SchemaURI.ERROR not in (doc.get("schemas") or ()):
        return response
    doc["status"] = str(doc.get("status") or response.status_code)
    if response.status_code == 400 and not doc.get("scimType"):
        detail = str(doc.get("detail", ""))
        doc["scimType"] = next((t for text, t in SCIM_TYPES if text in detail), "invalidValue")
    response.content = json.dumps(doc)
    return response


class ScimErrors:
    """Mixed in first on every SCIM view: the body is read (and refused over the limit) before
    django-scim2 sees it, pages past the end are empty, and every error body is shaped."""

    @classmethod
    def as_view(cls, **initkwargs):
        """Outside the request-wide transaction (ATOMIC_REQUESTS), as the API's views: each write is its
        directory service's own transaction, and a read opens none of its own."""
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    @method_decorator(csrf_exempt)  # as django-scim2's own dispatch: a bearer token, no cookies
    def dispatch(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            too_big = limit is not None and int(length) > limit
            if not too_big:
                request.body  # noqa: B018 (a body without Content-Length is measured as it is read)
        except ValueError:
            return scim_error(400, "Content-Length is not a number.", "invalidSyntax")
        except RequestDataTooBig:
            too_big = True
        if too_big:
            return scim_error(413, f"The request body is larger than {limit} bytes.")
        if request.method != "GET":
            return _shaped(super().dispatch(request, *args, **kwargs))
        try:
            # A savepoint: a filter the database refuses (django-scim2 answers it itself) leaves no aborted
            # transaction behind, and is the request's 400.
            with transaction.atomic():
                return _shaped(super().dispatch(request, *args, **kwargs))
        except DatabaseError:
            return scim_error(400, "The filter cannot be evaluated.", "invalidFilter")

    def load_body(self, body):
        return load_json_object(body)
