"""Access reviews reach reviewers and owners only through apps/notifications, over the real SMTP test
server: one message per reviewer per campaign (not one per item), reminders as each person chose, the
owner's escalation."""
from datetime import timedelta

import pytest

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification, Preference
from apps.reviews.actions import review_campaign_launch
from apps.reviews.services import reviews_sweep
from tests.notifications.conftest import smtp  # noqa: F401  (the real SMTP server)

from . import world

pytestmark = pytest.mark.django_db
OWNER = Principal(person_id="per_owner", tenant_id="acme", roles=frozenset({"it"}))
BOSSES = ("pboss0@acme.invalid", "pboss1@acme.invalid")


def test_one_message_per_reviewer_reminders_by_preference_and_the_owners_escalation(smtp):  # noqa: F811
    staff = world.people("acme", 4, managers=2)
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid", email="owner@acme.invalid",
                          display_name="Olive Owner")
    world.grants("acme", staff, world.catalog("acme", per_system=2))
    campaign = review_campaign_launch(actor=OWNER, review_campaign=world.campaign(
        "acme", remind_days_before=3, escalate_days_before=1))
    run_pass()
    for boss in BOSSES:
        assert [m.subject for m in smtp.to(boss)] == [f"[acme] Access review: Q4 access review, due "
                                                      f"{campaign.due_at:%Y-%m-%d}"]
        assert "4 item(s)" in smtp.to(boss)[0].part("plain")
    assert Notification.objects.filter(event_type="reviews.review_campaign.launched").count() == 2

    Preference.objects.create(tenant_id="acme", person_id="per_acme_pboss1", disabled_kinds=["access_review_reminder"])
    reviews_sweep(now=campaign.due_at - timedelta(days=2))
    reviews_sweep(now=campaign.due_at - timedelta(hours=2))
    run_pass()
    assert [m.subject for m in smtp.to(BOSSES[0])][1:] == [
        f"[acme] Reminder: access review Q4 access review is due {campaign.due_at:%Y-%m-%d}"]
    assert len(smtp.to(BOSSES[1])) == 1  # turned reminders off
    assert Notification.objects.get(recipient_id="per_acme_pboss1", kind="access_review_reminder").status == "skipped"
    assert [m.subject for m in smtp.to("owner@acme.invalid")] == ["[acme] Access review behind: Q4 access review"]
