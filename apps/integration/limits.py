"""What a caller may hand on: a key or webhook never reaches further than the caller who makes it.

A caller with `scopes` (an API key) passes on only scopes it holds (`<domain>:write` covers
`<domain>:read`) and event domains it may read; a caller bound to an application (an app key, a
JWT with client_id) only makes records of that application; tenant-wide keys are made by admins
(people, or keys holding `*`). One set of rules for the API, the admin and commands.
"""
from django.core.exceptions import ValidationError

from apps.core.exceptions import Forbidden
from apps.core.principal import Principal

from .models import Application


def scope_covered(scope: str, held: frozenset[str] | None) -> bool:
    if held is None or "*" in held or scope in held:
        return True
    domain, _, access = scope.partition(":")
    return access == "read" and f"{domain}:write" in held


def check_scopes(actor: Principal, scopes: list[str]) -> None:
    beyond = [s for s in scopes if not scope_covered(s, actor.scopes)]
    if beyond:
        raise Forbidden(f"A key cannot pass on scopes it does not hold: {beyond} (it holds {sorted(actor.scopes)}).")


def event_domain(pattern: str) -> str | None:
    """`helpdesk.ticket.created` and `helpdesk.*` -> `helpdesk`; `*` -> None (every domain)."""
    return None if pattern == "*" else pattern.split(".", 1)[0]


def check_event_types(actor: Principal, event_types: list[str]) -> None:
    if actor.scopes is None:
        return
    unreadable = []
    for pattern in event_types or ["*"]:  # an empty subscription means every event
        domain = event_domain(pattern)
        if (domain is None and "*" not in actor.scopes) or (domain and not actor.allows_scope(domain, write=False)):
            unreadable.append(pattern)
    if unreadable:
        raise Forbidden(f"This API key may not subscribe to events it cannot read: {unreadable} "
                        f"(its scopes: {sorted(actor.scopes)}).")


def check_application(actor: Principal, application: Application | None, *, what: str) -> None:
    """An app-bound caller makes `what` for its own application only."""
    if actor.app_id is None:
        return
    if application is None or application.slug != actor.app_id:
        raise Forbidden(f"You act for application '{actor.app_id}': a {what} you make must have "
                        f"application_id of that application.")


def check_key_reach(actor: Principal, *, scopes: list[str], application: Application | None, tenant_wide: bool) -> None:
    if application is not None and tenant_wide:
        raise ValidationError({"tenant_wide": "A key is either bound to an application or tenant-wide, not both."})
    if application is None and not tenant_wide:
        raise ValidationError({"application_id": "Required: the application this key acts for "
                                                 "(or tenant_wide: true for a key across the whole tenant, admins only)."})
    check_scopes(actor, scopes)
    check_application(actor, application, what="key")
    if tenant_wide and not (actor.has_role() and (actor.scopes is None or "*" in actor.scopes)):
        raise Forbidden("Only tenant admins (or an API key with the `*` scope) may make a tenant-wide key.")


def check_webhook_reach(actor: Principal, *, event_types: list[str], application: Application | None) -> None:
    check_event_types(actor, event_types)
    check_application(actor, application, what="webhook")
