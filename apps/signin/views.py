"""OpenID Connect sign-in per tenant: /oidc/<tenant>/authenticate/ starts it with that tenant's
provider; /oidc/callback/ (the one redirect URI to register at every provider) finishes it."""
from urllib.parse import parse_qs, urlparse

from django.contrib import messages
from django.http import Http404
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps.portal.signin import PORTAL_FLOW, began_on_portal

from .backends import STATES
from .models import IdentityProvider


class ProviderSignInView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint and client id are the tenant's, set in get()

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES":
            return self.provider.scopes
        return import_from_settings(attr, *args)

    def get(self, request, tenant):
        self.provider = IdentityProvider.objects.filter(tenant_id=tenant, enabled=True).first()
        if self.provider is None:
            raise Http404("This tenant has no identity provider.")
        self.OIDC_OP_AUTH_ENDPOINT = self.provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        response = super().get(request)
        # Begun on the portal's login page: no staff role needed, and failures return there.
        request.session[PORTAL_FLOW] = str(request.GET.get("next", "")).startswith("/portal/")
        state = parse_qs(urlparse(response.url).query)["state"][0]
        states = request.session.get(STATES) or {}
        states[state] = self.provider.pk
        request.session[STATES] = dict(list(states.items())[-10:])  # a few sign-ins in parallel tabs
        return response


class ProviderCallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self):
        return reverse("portal:login") if began_on_portal(self.request) else super().failure_url

    def login_failure(self):
        request = self.request
        if request.GET.get("error"):
            reason = f"The identity provider refused the sign-in: {request.GET.get('error_description') or request.GET['error']}."
        else:
            reason = getattr(request, "signin_error", None) or "Sign-in through the identity provider failed."
        messages.error(request, reason)
        return super().login_failure()
