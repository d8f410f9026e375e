"""Identity providers and staff sign-in: the one place their state changes."""
import base64
import hashlib
import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.identity_changes import IdentityChangeKind
from apps.core.identity_services import actor_label, identity_change_record
from apps.core.models import StaffMembership
from apps.directory.models import Person
from apps.integration.secret_store import secret_path, secret_store

from . import tokens
from .models import IdentityProvider, ProviderLink, is_platform_issuer

logger = logging.getLogger("apps.signin")


class SignInRefused(Exception):
    """The provider vouched for the person, but this back office does not let them in (the reason
    is shown on the login page)."""


NO_ROLE = "Your groups at the identity provider give you no role in this back office."
DEACTIVATED = "Your account is deactivated in this organisation's directory; ask an administrator."


def deactivated_in_directory(tenant_id: str, person_id: str, email: str = "") -> bool:
    """Whether the tenant's directory holds this person only as deactivated (or deleted): by their
    person id, else (someone the provider signs in for the first time) by their email address."""
    rows = list(Person.all_objects.filter(tenant_id=tenant_id, pk=person_id).values_list("active", "is_deleted"))
    if not rows and email:
        rows = list(Person.all_objects.filter(Q(email__iexact=email) | Q(user_name__iexact=email),
                                              tenant_id=tenant_id).values_list("active", "is_deleted")[:20])
    return bool(rows) and not any(active and not deleted for active, deleted in rows)


def _secret_path(provider: IdentityProvider) -> str:
    return secret_path(provider.tenant_id, "identity-provider", str(provider.pk), "client_secret")


def client_secret(provider: IdentityProvider) -> str:
    stored = secret_store().get(_secret_path(provider)) or {}
    return stored.get("value", "")


@transaction.atomic
def identity_provider_save(*, actor, provider: IdentityProvider, client_secret: str | None = None) -> IdentityProvider:
    """Save the provider; a new client secret goes to the secret store, only its tail stays on the row.
    The platform's issuer and another tenant's are refused here too (the admin form says so first)."""
    if is_platform_issuer(provider.issuer):
        raise ValidationError({"issuer": "This is the platform's own token issuer (JWT_ISSUER)."})
    taken = IdentityProvider.objects.filter(issuer__iexact=provider.issuer).exclude(pk=provider.pk)
    if taken.exists():
        raise ValidationError({"issuer": "This issuer is registered to another tenant."})
    if client_secret:
        provider.client_secret_hint = client_secret[-4:] if len(client_secret) >= 12 else ""
    provider.save()
    if client_secret:
        secret_store().put(_secret_path(provider), {"value": client_secret})
    identity_change_record(tenant_id=provider.tenant_id, kind=IdentityChangeKind.PROVIDER_CONFIG, actor=actor,
                           detail=f"{provider.name}: issuer {provider.issuer}")
    transaction.on_commit(tokens.forget)  # this process reads the service-token issuers again
    logger.info("identity_provider_saved", extra={"tenant": provider.tenant_id, "actor": str(actor)})
    return provider


def person_id_for(provider: IdentityProvider, sub: str) -> str:
    """A stable person id for a person first met through the provider: derived from (issuer, sub),
    so the same person gets the same id again (e.g. after their user was deleted)."""
    digest = hashlib.sha256(f"{provider.issuer}\n{sub}".encode()).digest()
    return "per_" + base64.b32encode(digest).decode().rstrip("=").lower()[:26]


def _verified_email(claims: dict) -> str:
    email = claims.get("email")
    # Entra ID sends no email_verified; its optional claim xms_edov says the domain owner verified it.
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused("The identity provider sent no email address.")
    if claims.get("email_verified") is not True and claims.get("xms_edov") is not True:
        raise SignInRefused("The identity provider has not verified this email address.")
    return email.strip()


def _groups(provider: IdentityProvider, claims: dict) -> list[str]:
    groups = claims.get(provider.group_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []


LINK_PENDING = ("This sign-in matches an existing account by e-mail. An administrator must approve linking it "
                "once (Sign-in › Account links); then sign in again.")


class LinkPending(Exception):
    def __init__(self, membership: StaffMembership):
        self.membership = membership


def _matching_membership(provider: IdentityProvider, person_id: str, sub: str,
                         email: str) -> tuple[StaffMembership | None, bool]:
    """(membership, found by e-mail alone): by the person id derived from `sub`, by an approved
    account link of `sub`, else by the verified e-mail (to be linked, never silently)."""
    memberships = StaffMembership.objects.select_related("user").select_for_update(of=("self",))
    same_person = memberships.filter(tenant=provider.tenant, person_id=person_id).first()
    if same_person is not None:
        return same_person, False
    linked = memberships.filter(tenant=provider.tenant, provider_links__provider=provider,
                                provider_links__subject=sub, provider_links__approved_at__isnull=False).first()
    if linked is not None:
        return linked, False
    by_email = list(memberships.filter(tenant=provider.tenant, user__email__iexact=email)[:2])
    if len(by_email) > 1:
        raise SignInRefused("Several staff users of this tenant have this email address; an admin must resolve it.")
    return (by_email[0], True) if by_email else (None, False)


def _link_by_email(provider: IdentityProvider, membership: StaffMembership, sub: str, email: str) -> None:
    """A trusted provider links at once (recorded as an identity change); any other waits for an admin."""
    if not provider.trust_email_matching:
        raise LinkPending(membership)
    ProviderLink.objects.update_or_create(provider=provider, subject=sub, defaults={
        "membership": membership, "email": email, "approved_by": "trusted provider", "approved_at": timezone.now()})
    identity_change_record(tenant_id=provider.tenant_id, kind=IdentityChangeKind.PROVIDER_LINK, actor=None,
                           subject_id=membership.person_id,
                           detail=f"{provider.name} (trusted for e-mail matching): {email} linked")


@transaction.atomic
def _request_link(provider: IdentityProvider, membership: StaffMembership, sub: str, email: str) -> None:
    ProviderLink.objects.update_or_create(provider=provider, subject=sub, approved_at__isnull=True,
                                          defaults={"membership": membership, "email": email})


@transaction.atomic
def provider_link_approve(*, actor, obj: ProviderLink) -> ProviderLink:
    """An admin of the tenant vouches that this provider subject is this staff member (recorded as
    an identity change of the person, by the approver: a party to an open decision who approves
    a link of its decider holds that decision back)."""
    if obj.approved_at is None:
        changed_by, _ = actor_label(actor)
        obj.approved_by, obj.approved_at = changed_by[:64], timezone.now()
        obj.save(update_fields=["approved_by", "approved_at"])
        identity_change_record(tenant_id=obj.provider.tenant_id, kind=IdentityChangeKind.PROVIDER_LINK, actor=actor,
                               subject_id=obj.membership.person_id,
                               detail=f"{obj.provider.name}: {obj.email} ({obj.subject}) linked")
    return obj


def _new_username(provider: IdentityProvider, email: str) -> str:
    base = f"{provider.tenant_id}-{email}"[:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def staff_sign_in(*, provider: IdentityProvider, claims: dict) -> User | None:
    """_staff_sign_in; a match by e-mail that needs an admin's approval is filed as a pending
    account link (committed on its own) and refused."""
    try:
        return _staff_sign_in(provider=provider, claims=claims)
    except LinkPending as pending:
        _request_link(provider, pending.membership, claims["sub"], _verified_email(claims))
        logger.info("signin_link_pending", extra={"tenant": provider.tenant_id, "person": pending.membership.person_id})
        raise SignInRefused(LINK_PENDING) from None


@transaction.atomic
def _staff_sign_in(*, provider: IdentityProvider, claims: dict) -> User | None:
    """The Django user for a person the provider signed in: their tenant membership matched by
    `sub` (the person id derived from it) or by verified email, else created; roles set from the
    groups. None when the groups map to no role (a matched user's roles are then removed, and that
    is committed); SignInRefused (nothing changed) for claims this back office cannot accept."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise SignInRefused("The identity provider sent no subject (sub).")
    email = _verified_email(claims)
    roles = provider.roles_for(_groups(provider, claims))
    membership, by_email = _matching_membership(provider, person_id_for(provider, sub), sub, email)
    if membership is not None and membership.user.is_superuser:
        raise SignInRefused("Superusers sign in with their password, not through a tenant's provider.")
    person_id = membership.person_id if membership is not None else person_id_for(provider, sub)
    if deactivated_in_directory(provider.tenant_id, person_id, email):
        logger.info("signin_deactivated_refused", extra={"tenant": provider.tenant_id, "person": person_id})
        raise SignInRefused(DEACTIVATED)
    if by_email:
        _link_by_email(provider, membership, sub, email)
    if not roles:
        if membership is not None and membership.roles:
            membership.roles = []
            membership.save(update_fields=["roles"])
            identity_change_record(tenant_id=provider.tenant_id, kind=IdentityChangeKind.ROLES, actor=None,
                                   subject_id=membership.person_id, detail=f"{provider.name}: groups map to no role")
            logger.warning("signin_roles_removed", extra={"tenant": provider.tenant_id, "person": membership.person_id})
        return None
    if membership is None:
        user = User.objects.create_user(_new_username(provider, email), email=email, is_staff=True)
        user.set_unusable_password()
        membership = StaffMembership(user=user, tenant=provider.tenant, person_id=person_id_for(provider, sub))
    user = membership.user
    user.email, user.is_staff = email, True
    user.first_name = str(claims.get("given_name") or user.first_name)[:150]
    user.last_name = str(claims.get("family_name") or user.last_name)[:150]
    user.save()
    membership.user, membership.roles = user, roles
    membership.save()
    return user
