"""Portal logins for directory people: a Django user (no staff flag, no admin) with a membership that
names their person id and no roles, and an e-mailed link to set a password where the tenant allows
local passwords. The link is Django's password-reset token: signed, expiring, single use."""
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from apps.directory.models import Person
from apps.core.exceptions import Conflict
from apps.core.models import StaffMembership
from apps.core.principal import Principal
from apps.signin.models import IdentityProvider


def local_passwords_allowed(user) -> bool:
    membership = getattr(user, "membership", None)
    return membership is None or not IdentityProvider.objects.filter(
        tenant_id=membership.tenant_id, local_passwords_allowed=False).exists()


def portal_login_for(*, tenant_id: str, person: Person, username: str | None = None) -> User:
    """The person's login (their existing membership's user, else a new one without a usable password)."""
    membership = StaffMembership.objects.select_related("user").filter(tenant_id=tenant_id, person_id=person.pk).first()
    if membership is not None:
        return membership.user
    user = User(username=(username or f"{tenant_id}-{person.user_name}")[:150], email=person.email,
                first_name=person.given_name[:150], last_name=person.family_name[:150], is_staff=False)
    user.set_unusable_password()
    user.save()
    StaffMembership.objects.create(user=user, tenant_id=tenant_id, person_id=person.pk, roles=[])
    return user


def invitation_url(user: User) -> str:
    path = reverse("portal:invitation", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                             default_token_generator.make_token(user)])
    return settings.NOTIFY_BASE_URL.rstrip("/") + path


@transaction.atomic
def person_invite(*, actor: Principal, person_id: str) -> str:
    """Give an active person of the actor's tenant a portal login and mail them the link to set its
    password (after commit); returns the link."""
    person = Person.objects.filter(tenant_id=actor.tenant_id, pk=person_id, active=True).first()
    if person is None:
        raise Conflict(f"{person_id!r} is not an active person of this tenant's directory.")
    if not person.email:
        raise Conflict(f"{person.label} has no e-mail address to send the invitation to.")
    user = portal_login_for(tenant_id=actor.tenant_id, person=person)
    if not local_passwords_allowed(user):
        raise Conflict("This tenant signs its people in through its identity provider only (no local passwords).")
    url = invitation_url(user)
    subject = _("Your sign-in to the self-service portal")
    body = _("Hello %(name)s,\n\nset your password for the self-service portal here (the link works once and "
             "expires):\n%(url)s\n\nYour user name is %(username)s.\n") % {
        "name": person.given_name or person.label, "url": url, "username": user.username}
    transaction.on_commit(lambda: send_mail(subject, body, settings.NOTIFY_FROM_EMAIL, [person.email]))
    return url
