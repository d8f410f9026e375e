"""Portal sign-in through the tenant's identity provider, without a staff role.

A sign-in that began on the portal's login page goes through the staff rules first
(apps.signin.services.staff_sign_in: groups that map to roles make a staff user, as in the admin);
when the groups map to no role, the person may still use the portal: the login of their directory
entry, found by the provider's subject (the person id derived from it, an approved account link,
or the directory's SCIM externalId) or else by their verified e-mail when that entry has no login
yet. A directory entry that already has a login is linked only after an admin approves it."""
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.directory.models import Person
from apps.core.identity_changes import IdentityChangeKind
from apps.core.identity_services import identity_change_record
from apps.core.models import StaffMembership
from apps.signin import services
from apps.signin.models import IdentityProvider, ProviderLink

PORTAL_FLOW = "signin_portal"  # session: this sign-in began on the portal
NOT_IN_DIRECTORY = ("You are not in your organisation's directory here, or your directory entry has no e-mail "
                    "matching the identity provider's; ask an administrator.")


def began_on_portal(request) -> bool:
    return bool(getattr(request, "session", None) and request.session.get(PORTAL_FLOW))


def person_sign_in(*, provider: IdentityProvider, claims: dict) -> User:
    if provider.roles_for(services._groups(provider, claims)):
        return services.staff_sign_in(provider=provider, claims=claims)  # staff, by the staff rules
    return _portal_login(provider=provider, claims=claims)


@transaction.atomic
def _portal_login(*, provider: IdentityProvider, claims: dict) -> User:
    sub, email = claims["sub"], services._verified_email(claims)
    tenant_id = provider.tenant_id
    memberships = StaffMembership.objects.select_related("user").filter(tenant_id=tenant_id)
    membership = (memberships.filter(person_id=services.person_id_for(provider, sub)).first()
                  or memberships.filter(provider_links__provider=provider, provider_links__subject=sub,
                                        provider_links__approved_at__isnull=False).first())
    person = None
    if membership is None:
        people = list(Person.objects.filter(Q(external_id=sub) | Q(email__iexact=email), tenant_id=tenant_id)[:3])
        by_subject = [p for p in people if p.external_id == sub]
        person = by_subject[0] if by_subject else (people[0] if len(people) == 1 else None)
        if person is None:
            raise services.SignInRefused(NOT_IN_DIRECTORY)
        membership = memberships.filter(person_id=person.pk).first()
        if membership is not None and not by_subject:  # someone's login, matched by e-mail alone
            services._request_link(provider, membership, sub, email)
            raise services.SignInRefused(services.LINK_PENDING)
    person_id = membership.person_id if membership is not None else person.pk
    if services.deactivated_in_directory(tenant_id, person_id, email):
        raise services.SignInRefused(services.DEACTIVATED)
    if membership is not None:
        if membership.roles:  # staff whose groups now give no role: the staff rules take the roles away
            services.staff_sign_in(provider=provider, claims=claims)
        return membership.user
    user = User(username=services._new_username(provider, email), email=email, is_staff=False,
                first_name=str(claims.get("given_name") or person.given_name)[:150],
                last_name=str(claims.get("family_name") or person.family_name)[:150])
    user.set_unusable_password()
    user.save()
    membership = StaffMembership.objects.create(user=user, tenant_id=tenant_id, person_id=person.pk, roles=[])
    # The subject now names this login (an approved account link): later sign-ins find it by `sub`.
    ProviderLink.objects.create(provider=provider, subject=sub, membership=membership, email=email,
                                approved_by="portal sign-in (directory entry)", approved_at=timezone.now())
    identity_change_record(tenant_id=tenant_id, kind=IdentityChangeKind.PROVIDER_LINK, actor=None, subject_id=person.pk,
                           detail=f"{provider.name}: {email} ({sub}) signed in to the portal for the first time")
    return user
