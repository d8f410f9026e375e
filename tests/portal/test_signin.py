"""Portal sign-in: every directory person with a password, axes throttling, deactivated people
signed out at their next request, a safe `next`, invitations that work once."""
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from apps.directory.models import Person
from apps.core.principal import system_principal
from apps.portal.invitations import person_invite
from apps.signin.models import IdentityProvider

from .conftest import PASSWORD


def sign_in(client, username, password=PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("portal:login") + (f"?next={next_url}" if next_url else ""), data)


def test_an_employee_without_a_staff_role_signs_in_and_sees_the_portal_not_the_admin(client, world):
    response = sign_in(client, "max")
    assert response.status_code == 302 and response.url == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200 and "Hello" in home.content.decode()
    assert "/admin/" not in home.content.decode()  # no admin link for a non-staff person
    assert client.get("/admin/").status_code == 302  # the admin still refuses them


def test_a_staff_user_sees_the_portal_with_a_link_to_the_admin(client, world):
    sign_in(client, "linus")
    page = client.get("/portal/").content.decode()
    assert 'href="/admin/"' in page


def test_a_wrong_password_is_a_form_error_and_repeated_failures_lock_the_user_name(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    response = sign_in(client, "max", "wrong")
    assert response.status_code == 200 and "do not match" in response.content.decode()
    for _ in range(3):
        sign_in(client, "max", "wrong")
    locked = sign_in(client, "max")  # even the right password, now
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", ["https://evil.invalid/", "//evil.invalid/x", "https:/evil.invalid"])
def test_next_never_leaves_the_site(client, world, target):
    response = sign_in(client, "max", next_url=target)
    assert response.status_code == 302 and response.url == "/portal/"


def test_next_within_the_portal_is_followed(client, world):
    response = sign_in(client, "max", next_url="/portal/requests/")
    assert response.url == "/portal/requests/"


def test_pages_send_strangers_to_the_login_and_back(client, world):
    response = client.get("/portal/requests/")
    assert response.status_code == 302 and response.url == "/portal/login/?next=/portal/requests/"


def test_a_person_deactivated_mid_session_is_signed_out_at_the_next_request(client, world):
    sign_in(client, "max")
    assert client.get("/portal/").status_code == 200
    Person.objects.filter(pk="per_emp").update(active=False)
    response = client.get("/portal/")
    assert response.status_code == 302 and response.url.startswith("/portal/login/")
    assert sign_in(client, "max").status_code == 200  # and refused at the form


def test_logout_is_a_post(client, world):
    sign_in(client, "max")
    assert client.get("/portal/logout/").status_code == 405
    assert client.post("/portal/logout/").status_code == 302
    assert client.get("/portal/").status_code == 302


def test_an_invitation_sets_a_password_once(client, world, django_capture_on_commit_callbacks):
    person = Person.objects.create(id="per_new", tenant_id="acme", user_name="nina@acme.invalid",
                                   given_name="Nina", family_name="New", email="nina@acme.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        url = person_invite(actor=system_principal("acme"), person_id=person.pk)
    assert len(mail.outbox) == 1 and url in mail.outbox[0].body
    user = User.objects.get(membership__person_id="per_new")
    assert not user.is_staff and not user.has_usable_password() and user.membership.roles == []
    path = re.sub(r"^https?://[^/]+", "", url)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "A-long-new-pass-42", "new_password2": "A-long-new-pass-42"})
    assert done.status_code == 302 and done.url == "/portal/login/"
    again = client.get(path, follow=True)
    assert 'name="new_password1"' not in again.content.decode()  # used: void
    assert sign_in(client, user.username, "A-long-new-pass-42").status_code == 302


def test_no_invitation_where_the_tenant_allows_no_local_passwords(client, world):
    from apps.core.exceptions import Conflict

    IdentityProvider.objects.create(tenant_id="acme", name="Okta", issuer="https://idp.acme.invalid",
                                    client_id="x", local_passwords_allowed=False)
    with pytest.raises(Conflict):
        person_invite(actor=system_principal("acme"), person_id="per_other")
    assert sign_in(client, "max").status_code == 200  # and their passwords no longer sign in


def test_a_user_of_no_tenant_is_told_to_use_the_admin(client, world):
    root = User.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    client.force_login(root)
    response = client.get("/portal/")
    assert response.status_code == 403 and "/admin/" in response.content.decode()
