"""The caller of a request or an admin action, independent of how it authenticated."""
from dataclasses import dataclass, field

STAFF_ROLES = ("admin", "approver", "it", "hr", "agent", "travel")


@dataclass(frozen=True)
class Principal:
    person_id: str
    tenant_id: str
    roles: frozenset[str] = frozenset()
    app_id: str | None = None
    # None: unrestricted (people). A set: the API key's scopes (`<domain>:read|write`, `*`).
    scopes: frozenset[str] | None = None
    api_key_id: str | None = None
    source_type: str = "api"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True

    @property
    def pk(self) -> str:  # simple-history records this as the acting person
        return self.person_id

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(role in self.roles for role in roles)

    def allows_scope(self, domain: str, *, write: bool) -> bool:
        if self.scopes is None or "*" in self.scopes:
            return True
        wanted = {f"{domain}:write"} if write else {f"{domain}:read", f"{domain}:write"}
        return bool(wanted & self.scopes)

    def __str__(self) -> str:
        return self.person_id


def system_principal(tenant_id: str, *, person_id: str = "system") -> Principal:
    """The actor of commands and background tasks."""
    return Principal(person_id=person_id, tenant_id=tenant_id, roles=frozenset({"admin"}), source_type="system")
