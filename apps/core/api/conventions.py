"""HTTP conventions every API response follows, each in one place:

- `If-None-Match` on a GET answers 304 when the representation is unchanged (Django's conditional
  GET: the view's `ETag`, or one computed from the body for lists);
- `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF draft-ietf-httpapi-ratelimit-headers)
  for every caller that has a limit, on every answer including the 429;
- `?is_deleted=true` lists the soft-deleted rows to the callers who see every row of the model.
"""
from dataclasses import dataclass

from django.middleware.http import ConditionalGetMiddleware

from ..exceptions import Forbidden

API_PREFIX = "/api/"
_RATE_LIMIT_ATTR = "_rate_limit_state"


class ApiConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's ConditionalGetMiddleware, for the API only (admin pages carry a per-response nonce)."""

    def process_response(self, request, response):
        if not request.path_info.startswith(API_PREFIX) or response.status_code != 200:
            return response
        return super().process_response(request, response)


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # seconds until the window resets

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(max(0, self.remaining)),
                "RateLimit-Reset": str(max(0, self.reset))}


def remember_rate_limit(request, state: RateLimitState) -> None:
    """Called by whoever counts the caller's requests (apps/integration/auth.py for API keys)."""
    setattr(getattr(request, "_request", request), _RATE_LIMIT_ATTR, state)


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, _RATE_LIMIT_ATTR, None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response


IS_DELETED = "is_deleted"
TRUE_VALUES = {"true", "1"}


def wants_deleted(view) -> bool:
    return view.action == "list" and view.request.query_params.get(IS_DELETED, "").strip().lower() in TRUE_VALUES


def base_queryset(view):
    """The viewset's class-level queryset; for `?is_deleted=true` the same query over every row
    (`Model.objects` hides the deleted ones), for callers who see every row of the model."""
    queryset = view.queryset.all()
    if not wants_deleted(view):
        return queryset
    model = queryset.model
    if not model.visibility.sees_every_row(view.request.user):
        raise Forbidden(f"Deleted {model._meta.verbose_name_plural} are listed only for callers who see every "
                        f"{model._meta.verbose_name} of the tenant.")
    every = model.all_objects.all()
    every.query = queryset.query.clone()
    every.query.where.children = [node for node in every.query.where.children if not _hides_deleted(node)]
    return every


def _hides_deleted(node) -> bool:
    target = getattr(getattr(node, "lhs", None), "target", None)
    return getattr(target, "name", None) == IS_DELETED and getattr(node, "rhs", None) is False


IS_DELETED_HELP = ("`true` lists the soft-deleted records instead (only for callers who see every record of this "
                   "kind: admins and the roles the resource names); `false` is the default list.")
