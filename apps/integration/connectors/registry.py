"""From a Connector record (or a catalog entitlement) to the implementation that acts on its target.

`type` picks the factory (`base.CONNECTOR_TYPES`, filled by the modules below as they are imported);
`config` is the record's (never a secret: connector_create refuses secret-looking keys); the secrets
are read from the secret store at the record's `vault_path`, and only here.
"""
from django.conf import settings

from . import ldap, manual, scim  # noqa: F401  (every type this product ships: each module registers its own)
from .base import CONNECTOR_LABELS, CONNECTOR_TYPES, Connector, ConnectorError


def connector_types() -> list[str]:
    return sorted(CONNECTOR_TYPES)


def connector_type_choices() -> list[tuple[str, str]]:
    """A Connector's `type` is one of these: the implementations this product ships, as registered."""
    return [(name, CONNECTOR_LABELS[name]) for name in connector_types()]


def build(record, *, timeout: float | None = None) -> Connector:
    """The implementation for an integration.Connector record. A record no implementation serves, a
    disabled or deleted one, or a bad configuration is a ConnectorError no retry fixes."""
    from apps.integration.secret_store import secret_store

    if record.is_deleted or not record.enabled:
        raise ConnectorError(f"connector {record.id} is disabled", retryable=False)
    factory = CONNECTOR_TYPES.get(record.type)
    if factory is None:
        raise ConnectorError(f"connector {record.id}: no implementation for type {record.type!r} "
                             f"(one of {', '.join(connector_types())})", retryable=False)
    secrets = (secret_store().get(record.vault_path) if record.vault_path else None) or {}
    return factory(config=dict(record.config or {}), secrets=secrets,
                   timeout=timeout if timeout is not None else settings.CONNECTOR_TIMEOUT_SECONDS)


def for_access_request(request) -> tuple[Connector, str]:
    """(implementation, the target's reference for the entitlement) for a catalog access request: the
    system's connector, or the manual connector (a task for the owner) when the system has none."""
    entitlement = request.entitlement
    system = entitlement.system
    if system.connector_id is None or system.connector.type == "manual":
        owner_id, owner_type = entitlement.effective_owner()
        manual = CONNECTOR_TYPES["manual"](config={
            "tenant_id": request.tenant_id, "request_id": request.id, "owner_id": owner_id,
            "owner_type": owner_type, "label": f"{system.name} · {entitlement.name}"}, secrets={})
        return manual, entitlement.target_ref
    if not entitlement.target_ref:
        raise ConnectorError(f"entitlement {entitlement.id} names no target reference (target_ref)", retryable=False)
    return build(system.connector), entitlement.target_ref
