"""The person's notification preferences, in the portal: the same choices and the same save as the
e-mailed preferences link (apps/notifications/preferences.py), signed in instead of by token."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.notifications.preferences import preference_of, preference_rows, preference_save

from ..access import portal_view


@portal_view
@require_http_methods(["GET", "POST"])
def preferences(request):
    actor = request.actor
    if request.method == "POST":
        preference_save(tenant_id=actor.tenant_id, person_id=actor.person_id,
                        enabled=set(request.POST.getlist("kinds")), digest=request.POST.get("digest") == "on",
                        staff=bool(actor.roles))
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("portal:notifications")
    pref = preference_of(actor.tenant_id, actor.person_id)
    return render(request, "portal/notifications.html", {"rows": preference_rows(pref, staff=bool(actor.roles)),
                                                         "digest": pref.digest})
