"""Structured logs: one JSON object per line, naming the request and its caller.

django-structlog's RequestMiddleware binds `request_id` and logs each request;
`RequestContextMiddleware`, just before it, remembers the request, so every line logged while it
runs — by structlog or plain `logging`, `request_finished` included — carries the caller's tenant,
person and app once authentication has named them (the API authenticates inside the view).
"""
import contextvars

import structlog
from django.utils.functional import empty

from apps.core.client_ip import client_ip

from .scrub import scrub_processor

_request = contextvars.ContextVar("log_request", default=None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def stamp_request_id(sender, *, response, **kwargs):
    """django-structlog's request_finished hook: the response names its request id, which a client
    can quote when reporting a problem."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and not response.has_header("X-Request-ID"):
        response["X-Request-ID"] = request_id


def bind_client_ip(sender, *, request, **kwargs):
    """django-structlog's bind_extra_request_metadata hook: the client address as sign-in lockouts
    see it (apps.core.client_ip: REMOTE_ADDR, or behind TRUSTED_PROXIES the right-most untrusted
    X-Forwarded-For hop), so a client cannot pick the address its requests are logged under."""
    structlog.contextvars.bind_contextvars(ip=client_ip(request))


def _caller(request):
    user = request.__dict__.get("user")  # never authenticate just to log
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    if getattr(user, "tenant_id", None):  # a Principal (the API sets it on the request)
        return user
    if getattr(user, "is_authenticated", False):  # an admin user
        from apps.core.admin_scope import principal_for

        return principal_for(request)
    return None


def add_caller(logger, method_name, event_dict):
    request = _request.get()
    if request is not None and "tenant" not in event_dict:
        principal = _caller(request)
        if principal is not None:
            event_dict["tenant"] = principal.tenant_id
            event_dict["person"] = principal.person_id
            event_dict["app"] = principal.app_id
    return event_dict


SHARED = [
    structlog.contextvars.merge_contextvars,
    add_caller,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(*, fmt: str, level: str) -> dict:
    """Configure structlog and return the LOGGING dict (`fmt`: json | console)."""
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *SHARED, structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.StackInfoRenderer(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # Exceptions become data (JSON: frames with their locals) or plain text (console) before
    # scrub_processor sees them, so no credential in a message, a local or a repr is rendered.
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        exceptions = [structlog.processors.format_exc_info]
    else:
        renderer, exceptions = structlog.processors.JSONRenderer(), [structlog.processors.dict_tracebacks]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                               *exceptions, scrub_processor, renderer],
                "foreign_pre_chain": [*SHARED, structlog.stdlib.ExtraAdder()],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers log at INFO whatever the root says (and twice: its console handler and
        # ours); LOG_LEVEL is the level for them too, runserver's request lines included.
        "loggers": {"django": {"level": level},
                    "django.server": {"level": level, "handlers": ["console"], "propagate": False}},
    }
