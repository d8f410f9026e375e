"""Deciding from each door with the same rules: the signed e-mail link, the portal's Waiting for me,
the admin (as IT, a manager-reviewer and the campaign owner); another tenant's campaign is a 404."""
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.directory.models import Person
from apps.core.models import StaffMembership, Tenant
from apps.core.principal import Principal
from apps.notifications.engine import fan_out
from apps.notifications.models import Notification
from apps.reviews.actions import review_campaign_launch
from apps.reviews.models import ReviewCampaign, ReviewItem

from . import world

pytestmark = pytest.mark.django_db
OWNER = Principal(person_id="per_owner", tenant_id="acme", roles=frozenset({"it"}))


def login(username, pid, roles=(), *, staff=False, tenant="acme") -> Client:
    user = User.objects.create_user(username, password="pw-123456789", is_staff=staff)
    StaffMembership.objects.create(user=user, tenant_id=tenant, person_id=pid, roles=list(roles))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def launched(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for slug in ("acme", "globex"):
        Tenant.objects.get_or_create(id=slug, defaults={"name": slug.title()})
    staff = world.people("acme", 4, managers=1)
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid",
                          email="owner@acme.invalid", display_name="Olive Owner")
    world.grants("acme", staff, world.catalog("acme", per_system=2))
    return review_campaign_launch(actor=OWNER, review_campaign=world.campaign("acme"))


def test_the_reviewer_decides_from_the_emails_signed_link_once(launched):
    fan_out()
    mail = Notification.objects.get(event_type="reviews.review_campaign.launched", recipient_id="per_acme_pboss0")
    assert "8 item(s)" in mail.text_body
    urls = re.findall(r"http\S+/notifications/review/\S+", mail.text_body)
    assert len(urls) == 8
    path = urls[0].split("://", 1)[1].split("/", 1)[1]
    client = Client()
    page = client.get("/" + path)
    assert page.status_code == 200 and b"Keep" in page.content
    assert client.post("/" + path, {"decision": "keep", "comment": ""}).status_code == 400
    done = client.post("/" + path, {"decision": "revoke", "comment": "Left the project"})
    assert done.status_code == 200, done.content
    assert ReviewItem.objects.filter(campaign=launched, status="revoked", decided_by_id="per_acme_pboss0").count() == 1
    assert client.post("/" + path, {"decision": "keep", "comment": "again"}).status_code in (409, 410)
    assert ReviewItem.objects.filter(campaign=launched, status="kept").count() == 0
    assert client.get("/notifications/review/garbage").status_code == 404


def test_the_portal_lists_and_decides_reviews_and_keeps_low_risk_at_once(launched):
    boss = login("boss", "per_acme_pboss0")
    assert b"/portal/reviews/" in boss.get("/portal/waiting/").content
    page = boss.get("/portal/reviews/")
    assert page.status_code == 200 and b"Access reviews" in page.content and b"Keep all low-risk" in page.content
    item = ReviewItem.objects.filter(campaign=launched).first()
    assert boss.post(f"/portal/reviews/{item.pk}/", {"decision": "keep", "comment": ""}).status_code == 400
    assert boss.post(f"/portal/reviews/{item.pk}/", {"decision": "keep", "comment": "Team"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "kept"
    boss.post(f"/portal/reviews/campaigns/{launched.pk}/keep-low-risk/", {"comment": "Team tools"})
    assert not ReviewItem.objects.filter(campaign=launched, status="pending").exists()
    holder = login("holder", "per_acme_p0")  # reviews nothing: nothing to open
    other = ReviewItem.objects.filter(campaign=launched, holder_id="per_acme_p0").first()
    assert holder.get(f"/portal/reviews/{other.pk}/").status_code == 404


def test_admin_pages_for_it_a_manager_reviewer_and_the_owner(launched):
    it = login("it", "per_it", ["it"], staff=True)
    assert it.get("/admin/reviews/reviewcampaign/").status_code == 200
    page = it.get(f"/admin/reviews/reviewcampaign/{launched.pk}/change/")
    assert page.status_code == 200 and b"By reviewer" in page.content and b"Manager p0" in page.content
    boss = login("boss", "per_acme_pboss0", ["approver"], staff=True)
    assert boss.get(f"/admin/reviews/reviewcampaign/{launched.pk}/change/").status_code == 200
    items = boss.get("/admin/reviews/reviewitem/?reviewer_id=me")
    assert items.status_code == 200
    item = ReviewItem.objects.filter(campaign=launched).first()
    assert boss.get(f"/admin/reviews/reviewitem/{item.pk}/change/").status_code == 200
    boss.post(f"/admin/reviews/reviewitem/{item.pk}/transition/keep/", {"comment": "Needed"})
    item.refresh_from_db()
    assert item.status == "kept" and item.decided_by_id == "per_acme_pboss0"
    boss.post(f"/admin/reviews/reviewcampaign/{launched.pk}/keep-low-risk/", {"comment": "Team tools"})
    assert not ReviewItem.objects.filter(campaign=launched, status="pending").exists()
    owner = login("owner", "per_owner", ["it"], staff=True)
    owner.post(f"/admin/reviews/reviewcampaign/{launched.pk}/transition/close/", {})
    assert ReviewCampaign.objects.get(pk=launched.pk).status == "closed"
    foreign = login("gx", "per_gx", ["admin"], staff=True, tenant="globex")
    assert foreign.get(f"/admin/reviews/reviewcampaign/{launched.pk}/change/").status_code == 404
    assert foreign.get(f"/admin/reviews/reviewitem/{item.pk}/change/").status_code == 404
