"""The one interface every connector type implements, and the registry that maps a Connector record's
`type` to its implementation.

Calls take and return plain data, never model instances, so each implementation is tested alone against
its real server. A call that returns normally was confirmed by the target; any failure raises
`ConnectorError` (never a library's own exception), saying whether a retry may help. Secrets reach an
implementation only through `secrets` (read from the secret store), never from `config`.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class PersonRef:
    """Who is granted: matched in the target by `user_name` (the directory's userName, usually the
    e-mail), created there from the rest when missing. `person_id` is this product's id, sent as the
    target's externalId where it has one."""

    person_id: str
    user_name: str
    email: str = ""
    display_name: str = ""
    given_name: str = ""
    family_name: str = ""


@dataclass(frozen=True)
class Account:
    """An account as the target reports it."""

    external_id: str  # the target's own id for the account
    user_name: str
    active: bool = True
    extra: dict = field(default_factory=dict, compare=False)


class ConnectorError(Exception):
    """The target refused, failed or could not be reached. `retryable`: a later attempt may succeed
    (timeouts, 5xx, 429, connection refused); False for what only a person can fix (4xx, bad config).
    The message never carries a credential."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class Connector(Protocol):
    """`entitlement` is the target's reference for what is granted (a SCIM group id, an LDAP group DN),
    as the catalog entitlement's `target_ref` holds it."""

    def list_accounts(self) -> Iterable[Account]: ...

    def list_memberships(self, entitlement: str) -> Iterable[str]:
        """The user_names that hold `entitlement` in the target now."""
        ...

    def grant(self, *, person: PersonRef, entitlement: str) -> Account:
        """Make `person` hold `entitlement` (creating the account if needed); idempotent."""
        ...

    def revoke(self, *, person: PersonRef, entitlement: str) -> None:
        """Remove `person` from `entitlement`; idempotent (absent already is success)."""
        ...

    def verify(self, *, person: PersonRef, entitlement: str) -> bool:
        """Read back from the target whether `person` holds `entitlement` now."""
        ...


Factory = Callable[..., Connector]  # factory(*, config: dict, secrets: dict, timeout: float) -> Connector

CONNECTOR_TYPES: dict[str, Factory] = {}
CONNECTOR_LABELS: dict[str, str] = {}  # how staff read each type (the admin's choice, the API's enum)


def connector_type(name: str, *, label: str) -> Callable[[Factory], Factory]:
    """Registers the decorated class or factory as the implementation of Connector records whose
    `type` is `name`. Each connector module is imported by `connectors/registry.py` explicitly."""

    def register(factory: Factory) -> Factory:
        if CONNECTOR_TYPES.setdefault(name, factory) is not factory:
            raise ValueError(f"connector type {name!r} is registered twice")
        CONNECTOR_LABELS[name] = label
        return factory

    return register
