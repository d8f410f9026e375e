"""Who is using the portal: the signed-in user's membership as a Principal (the same mapping the
admin uses, apps.core.admin_scope.principal_for), for every directory person, staff role or not."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from apps.core.principal import Principal
from apps.core.admin_scope import signed_in_at


def portal_principal(request) -> Principal | None:
    user = request.user
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is None:
        return None
    return Principal(person_id=membership.person_id, tenant_id=membership.tenant_id,
                     roles=frozenset(membership.roles or ()), source_type="frontend",
                     extra={"signed_in_at": signed_in_at(request)})


def portal_view(view):
    """Signed in (else the portal's login, back here afterwards) as a person of a tenant: the view
    gets `request.actor`. A user of no tenant (a platform superuser) is told to use the admin."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        actor = portal_principal(request)
        if actor is None:
            return render(request, "portal/no_person.html", status=403)
        request.actor = actor
        return view(request, *args, **kwargs)

    return wrapper
