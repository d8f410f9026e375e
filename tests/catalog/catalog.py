"""Catalog rows members can see and request (the factories make them private, as drafts)."""
from tests.factories import AccessSystemFactory, EntitlementFactory


def system(**fields):
    return AccessSystemFactory(**{"is_active": True, **fields})


def entitlement(**fields):
    if "system" not in fields and not any(k.startswith("system__is_active") for k in fields):
        fields["system__is_active"] = True
    return EntitlementFactory(**{"is_requestable": True, **fields})
