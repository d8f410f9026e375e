"""Custom webhook headers: validated names and values; values kept as secrets, shown masked.

The record keeps `{name: MASK}`; the values sit in the secret store beside the signing secret.
Sending MASK back for a header the webhook already has keeps its value (an edit form round trip).
"""
import re

MASK = "••••"
MAX_HEADERS = 20
MAX_VALUE_LENGTH = 4096
# RFC 7230 §3.2.6 token
TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
# field-vchar and spaces/tabs between them; no CR, LF, NUL or other controls (HTTP clients refuse them mid-send)
VALUE = re.compile(r"^[\x20-\x7e\t]*$")
FORBIDDEN = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host",
                       "content-length", "content-type", "expect"})
FORBIDDEN_PREFIXES = ("proxy-", "webhook-")


def header_problem(name, value) -> str | None:
    """Why `name: value` cannot be a custom header (None when it can)."""
    if not isinstance(name, str) or not TOKEN.match(name):
        return f"{name!r} is not a valid header name (RFC 7230 token characters, at most 100)"
    lowered = name.lower()
    if lowered in FORBIDDEN or lowered.startswith(FORBIDDEN_PREFIXES):
        return f"{name} is set by the sender (hop-by-hop, framing or signature header) and cannot be configured"
    if not isinstance(value, str):
        return f"the value of {name} must be a string"
    if len(value) > MAX_VALUE_LENGTH or not VALUE.match(value):
        return (f"the value of {name} must be printable ASCII (no CR, LF, NUL or other control characters), "
                f"at most {MAX_VALUE_LENGTH} characters")
    return None


def check_headers(headers) -> None:
    """ValueError naming the first bad header."""
    if not isinstance(headers, dict):
        raise ValueError("must be an object of header names to string values")
    if len(headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers")
    seen = set()
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            raise ValueError(problem)
        if name.lower() in seen:
            raise ValueError(f"{name} is given twice")
        seen.add(name.lower())


def merge(new: dict, current: dict) -> dict:
    """The header values to keep: MASK stands for the value `current` already holds."""
    values = {}
    for name, value in new.items():
        if value == MASK:
            if name not in current:
                raise ValueError(f"send the value of {name} (the mask stands only for a value already stored)")
            value = current[name]
        values[name] = value
    return values


def masked(headers: dict) -> dict:
    return {name: MASK for name in headers}
