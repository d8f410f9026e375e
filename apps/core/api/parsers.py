import io

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# Deeper than any request body of the API; a parser's recursion must not be the limit (a body
# nested ~1,000 deep raises RecursionError inside json, which would answer 500).
MAX_JSON_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class LimitedJSONParser(JSONParser):
    """JSON object bodies up to MAX_REQUEST_BYTES and MAX_JSON_DEPTH levels, without NUL characters.

    Every request body of the API is an object, so `null`, arrays and scalars are a 400 on every
    operation, as is a body of only whitespace (it is not JSON). No body at all (zero bytes) is no
    fields: a transition without a comment, a PATCH that changes nothing."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        if not raw:
            return {}
        if not raw.strip():
            raise exceptions.ParseError("The request body is only whitespace: send a JSON object, or no body.")
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        if not isinstance(data, dict):
            # Well-formed JSON of the wrong shape: a validation error, as a serializer would say.
            raise exceptions.ValidationError(f"The request body must be a JSON object, not {json_type(data)}.")
        check_json(data)
        return data


def json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "an array"}.get(type(value), "a number")


def check_json(data) -> None:
    """Refuse NUL characters (PostgreSQL refuses them in text) and nesting past MAX_JSON_DEPTH."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError("NUL characters are not allowed in JSON strings.")
            continue
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise exceptions.ParseError("NUL characters are not allowed in JSON strings.")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
