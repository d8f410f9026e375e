"""Signing in to the portal: every person of a tenant's directory, staff role or not.

The password form is Django's (axes throttles it through the authentication backends, as the
admin's); a person sets their first password through an e-mailed invitation (apps.portal.invitations);
the tenant's identity provider signs them in through apps.signin (see `provider_start`)."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.signin.models import IdentityProvider

from ..invitations import local_passwords_allowed


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("That user name and password do not match. Both are case-sensitive."),
        "inactive": gettext_lazy("This account is deactivated; ask your administrator."),
    }


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True  # `next` is checked by Django: this host only, no scheme tricks

    def get_default_redirect_url(self):
        return reverse("portal:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One button per tenant provider that is on: the person picks their organisation's.
        context["providers"] = list(IdentityProvider.objects.filter(enabled=True).values("tenant_id", "name",
                                                                                        "tenant__name"))
        return context


@require_POST
def portal_logout(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:login")


class InvitationView(PasswordResetConfirmView):
    """The invitation link: Django's password-reset token (signed with SECRET_KEY, expiring after
    PASSWORD_RESET_TIMEOUT, void once the password is set or the person signed in since)."""

    template_name = "portal/invitation.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("portal:login")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A tenant that signs its people in only through its provider sets no passwords: the link is void.
        return user if user is not None and local_passwords_allowed(user) else None

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return super().form_valid(form)
