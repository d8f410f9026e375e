"""Credentials never reach a log line or a Sentry event: API keys (`sk-`), webhook secrets
(`whsec_`), SCIM tokens (`scim_`), bearer/basic credentials, JWTs and session cookies are replaced
in messages, exception text, stack-frame locals and breadcrumbs; values under secret-looking names
(password, token, authorization, cookie, …) are replaced whole."""
import re

SCRUBBED = "[scrubbed]"
PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=_\-]{6,}"),
    re.compile(r"\bscim_[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),  # a JWT
    re.compile(r"(?i)\b(?:sessionid|csrftoken|csrfmiddlewaretoken)=[^;\s'\"&,]+"),
)
SECRET_NAMES = re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key|authorization|cookie|credential|"
                          r"private[_-]?key|^raw$|^raw_key$)")
# Names that look secret-ish but hold only bookkeeping (ids, counts, expiry) stay readable.
PLAIN_NAMES = re.compile(r"(?i)(_id|_ids|_at|_count|_calls|_hint|_prefix|_fingerprint|_name)$")
MAX_DEPTH = 12


def scrub_text(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(SCRUBBED, text)
    return text


def _secret_name(name) -> bool:
    return isinstance(name, str) and bool(SECRET_NAMES.search(name)) and not PLAIN_NAMES.search(name)


def scrub(value, depth: int = 0):
    """A copy of `value` (str, dict, list, anything else as its repr) with every credential replaced."""
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth > MAX_DEPTH:
        return SCRUBBED
    if isinstance(value, dict):
        return {k: (SCRUBBED if _secret_name(k) and value[k] not in (None, "", [], {}) else scrub(value[k], depth + 1))
                for k in value}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [scrub(v, depth + 1) for v in value]
    return scrub_text(repr(value))


def scrub_processor(logger, method_name, event_dict):
    """The last structlog processor before rendering (exceptions already turned into dicts or text)."""
    return scrub(event_dict)


def sentry_before_send(event, hint):
    return scrub(event)


def sentry_before_breadcrumb(crumb, hint):
    return scrub(crumb)
