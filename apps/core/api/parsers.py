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
    """JSON bodies up to MAX_REQUEST_BYTES and MAX_JSON_DEPTH levels, without NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        if not raw.strip():
            return {}
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        check_json(data)
        return data


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
