"""A superuser gives a staff member roles by ticking them on the user page; a role the membership
already holds that is not a staff role stays, and nothing is typed as JSON."""
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.models import StaffMembership
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def test_roles_are_ticked_and_a_held_unknown_role_is_kept(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-0123456789"))
    membership = StaffMembershipFactory(roles=["agent", "auditor"])
    url = reverse("admin:auth_user_change", args=[membership.user_id])
    page = client.get(url).content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" name="membership-0-roles" value="(\w+)"([^>]*)>', page))
    assert set(boxes) == {"admin", "approver", "it", "hr", "agent", "travel", "auditor"}
    assert 'name="groups"' not in page and 'name="user_permissions"' not in page  # rights come from roles
    ticked = {role for role, attrs in boxes.items() if re.search(r"\schecked(?![:\w-])", attrs)}
    assert ticked == {"agent", "auditor"}
    data = {"username": membership.user.username, "email": "", "first_name": "", "last_name": "",
            "is_active": "on", "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "membership-TOTAL_FORMS": "1", "membership-INITIAL_FORMS": "1", "membership-MIN_NUM_FORMS": "0",
            "membership-MAX_NUM_FORMS": "1", "membership-0-id": membership.pk, "membership-0-user": membership.user_id,
            "membership-0-tenant": membership.tenant_id, "membership-0-person_id": membership.person_id,
            "membership-0-roles": ["agent", "auditor", "hr"]}
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert StaffMembership.objects.get(pk=membership.pk).roles == ["agent", "auditor", "hr"]
    refused = client.post(url, {**data, "membership-0-roles": ["agent", "owner-of-everything"]})
    assert refused.status_code == 200
    assert StaffMembership.objects.get(pk=membership.pk).roles == ["agent", "auditor", "hr"]


def test_the_person_is_picked_from_the_tenants_directory_and_a_stranger_refused(client):
    from tests.factories import PersonFactory

    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-0123456789"))
    membership = StaffMembershipFactory(roles=["agent"])
    PersonFactory(id="per_new_agent", tenant_id=membership.tenant_id, display_name="Nia New", email="nia@x.test")
    PersonFactory(id="per_elsewhere", tenant_id="globex", display_name="Gus Globex", email="gus@x.test")
    url = reverse("admin:auth_user_change", args=[membership.user_id])
    page = client.get(url).content.decode()
    assert 'name="membership-0-person_id"' in page and f"?tenant={membership.tenant_id}" in page
    data = {"username": membership.user.username, "email": "", "first_name": "", "last_name": "",
            "is_active": "on", "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "membership-TOTAL_FORMS": "1", "membership-INITIAL_FORMS": "1", "membership-MIN_NUM_FORMS": "0",
            "membership-MAX_NUM_FORMS": "1", "membership-0-id": membership.pk, "membership-0-user": membership.user_id,
            "membership-0-tenant": membership.tenant_id, "membership-0-roles": ["agent"]}
    refused = client.post(url, {**data, "membership-0-person_id": "per_elsewhere"})
    assert refused.status_code == 200 and "Not an active person" in refused.content.decode()
    assert StaffMembership.objects.get(pk=membership.pk).person_id == membership.person_id
    saved = client.post(url, {**data, "membership-0-person_id": "per_new_agent"})
    assert saved.status_code == 302
    assert StaffMembership.objects.get(pk=membership.pk).person_id == "per_new_agent"
