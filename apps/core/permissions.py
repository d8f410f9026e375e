from rest_framework.permissions import SAFE_METHODS, BasePermission

from .principal import Principal


class IsPrincipal(BasePermission):
    """An authenticated caller whose API-key scopes (if any) cover the view's domain."""

    message = "Your credentials do not allow this."

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            return False
        domain = getattr(view, "domain", None)
        if domain is None:
            return True
        write = request.method not in SAFE_METHODS
        if not principal.allows_scope(domain, write=write):
            self.message = f"This API key lacks the scope {domain}:{'write' if write else 'read'}."
            return False
        return True
