"""Domain errors the API maps to problem+json (and the admin to messages)."""


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class TransitionConflict(DomainError):
    status = 409
    code = "transition_not_allowed"
    title = "Transition not allowed"


class StaleVersion(DomainError):
    status = 409
    code = "stale_version"
    title = "Stale version"


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"
    title = "Precondition failed"


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class NotFound(DomainError):
    """A record named in a request body that the caller cannot see (another tenant's, hidden): a 404, as
    a record named in the URL is."""

    status = 404
    code = "not_found"
    title = "Not found"
