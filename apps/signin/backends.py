"""Authentication backends: django-axes in front, local passwords that a tenant may switch off,
and OpenID Connect sign-in through the tenant's own provider (mozilla-django-oidc)."""
import logging

import jwt
import requests
from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from rest_framework.exceptions import APIException

from apps.core.auth import JWKS_ALGORITHMS, jwks_keys
from apps.portal.signin import began_on_portal, person_sign_in

from . import services
from .models import IdentityProvider

logger = logging.getLogger("apps.signin")
STATES = "signin_provider_states"  # session: {OIDC state: provider pk} while a sign-in is under way


class ThrottledSignInBackend(AxesStandaloneBackend):
    """django-axes' lockout check. An in-process call without a request (the test client's login,
    a script) has no client to throttle; every HTTP sign-in passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def not_a_password_attempt(request, credentials) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a sign-in naming no username (the OIDC callback) is not a
    password guess; counting it would lock every sign-in through a provider from that address. A
    callback's state works once and only for the session that started it (TenantOIDCBackend)."""
    return not (credentials or {}).get("username")


def local_passwords_off(user) -> bool:
    if user.is_superuser:
        return False  # break-glass: superusers always keep their password
    membership = getattr(user, "membership", None)
    return membership is not None and IdentityProvider.objects.filter(
        tenant_id=membership.tenant_id, local_passwords_allowed=False).exists()


def deactivated_staff(user) -> bool:
    """A staff member whose directory entry (their membership's person) is deactivated or deleted."""
    membership = getattr(user, "membership", None)
    return membership is not None and services.deactivated_in_directory(membership.tenant_id, membership.person_id)


class TenantPasswordBackend(ModelBackend):
    """Django's username/password sign-in, refused to staff of a tenant that switched local
    passwords off (they sign in through the provider) and to staff the directory deactivated."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and local_passwords_off(user):
            logger.info("signin_password_refused", extra={"user": user.pk})
            return None
        if user is not None and deactivated_staff(user):
            logger.info("signin_deactivated_refused", extra={"user": user.pk})
            return None
        return user

    def get_user(self, user_id):
        return session_user(self, user_id)


def session_user(backend, user_id):
    """The session's user, unless they or their directory entry were deactivated since they signed
    in: their next request is signed out (one primary-key read of the person per admin request)."""
    user = ModelBackend.get_user(backend, user_id)
    return None if user is None or deactivated_staff(user) else user


def check_authorized_party(payload: dict, client_id: str) -> None:
    """OpenID Connect Core 3.1.3.7: a token for several audiences must name us in `azp`, and an `azp`
    that is present must be us; `aud` containing our client id alone does not make it ours."""
    audiences = payload.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or ())
    azp = payload.get("azp")
    if (azp is not None or len(audiences) > 1) and azp != client_id:
        raise SuspiciousOperation("The ID token was issued to another client (azp).")


class TenantOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow with the settings of the tenant's provider chosen when the
    sign-in began (ProviderSignInView keeps it in the session under the OIDC state), instead of
    one provider from settings. The ID token's signature (provider JWKS), issuer and audience
    (our client id) are checked; the person is matched or created by services.staff_sign_in."""

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()  # the provider's settings are set per sign-in

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET:
            return None
        states = request.session.get(STATES) or {}
        provider_pk = states.pop(request.GET["state"], None)
        request.session[STATES] = states
        provider = IdentityProvider.objects.select_related("tenant").filter(pk=provider_pk, enabled=True).first()
        if provider is None:
            return None
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = services.client_secret(provider)
        self.OIDC_RP_SIGN_ALGO, self.OIDC_RP_IDP_SIGN_KEY = "RS256", None
        try:
            return super().authenticate(request, **kwargs)
        except services.SignInRefused as exc:
            request.signin_error = str(exc)
        except APIException as exc:  # the provider's JWKS: unreachable, or no key for the token
            request.signin_error = f"{provider.name}: {exc.detail}"
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            request.signin_error = f"{provider.name} sent a token that does not verify ({exc})."
        except (requests.RequestException, ValueError) as exc:
            request.signin_error = f"{provider.name} could not be reached or answered unexpectedly."
            logger.warning("signin_provider_error", extra={"tenant": provider.tenant_id, "error": str(exc)})
        return None

    def verify_token(self, token, **kwargs):
        key = jwks_keys(self.provider.jwks_uri, self.provider.tenant_id).signing_key(token)
        payload = jwt.decode(token, key, algorithms=list(JWKS_ALGORITHMS), audience=self.provider.client_id,
                             issuer=self.provider.issuer, leeway=settings.JWT_LEEWAY_SECONDS,
                             options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        if "nonce" in kwargs and payload.get("nonce") != kwargs["nonce"]:
            raise SuspiciousOperation("The ID token's nonce is not this sign-in's.")
        check_authorized_party(payload, self.provider.client_id)
        return payload

    def get_user(self, user_id):
        return session_user(self, user_id)  # an inactive user's session ends (mozilla's does not check)

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is not about the ID token's subject.")
        claims = {**payload, **userinfo}
        if began_on_portal(self.request):  # the portal: every directory person, staff role or not
            return person_sign_in(provider=self.provider, claims=claims)
        user = services.staff_sign_in(provider=self.provider, claims=claims)
        if user is None:
            raise services.SignInRefused(services.NO_ROLE)
        return user
