"""Leavers in the mail, through the real SMTP test server: a case that opens tells the leaver's manager
(pointed at what now waits for them, not at the case they cannot open) and IT; an item the target refused
and a case past its due date tell IT; whoever turned a kind off hears nothing of it (a skipped row)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.services import person_deactivate
from apps.core.principal import Principal
from apps.lifecycle.models import OffboardingCase
from apps.lifecycle.sweep import lifecycle_sweep
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification, Preference
from tests.factories import StaffMembershipFactory
from tests.notifications.conftest import smtp  # noqa: F401  (the real SMTP server)

pytestmark = pytest.mark.django_db
DIRECTORY_ADMIN = Principal(person_id="per_root", tenant_id="acme", roles=frozenset({"admin"}), source_type="frontend")


def it_staff(username: str) -> str:
    return StaffMembershipFactory(tenant_id="acme", user__username=username, user__email=f"{username}@acme.invalid",
                                  user__first_name=username.capitalize(), roles=["it"]).person_id


def subjects(smtp, address: str) -> list[str]:  # noqa: F811
    return [m.subject for m in smtp.to(address)]


def test_the_manager_and_it_hear_of_a_leaver_and_it_of_failures_and_overdue_cases(
        world, smtp, immediate_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    ivy, ian = it_staff("ivy"), it_staff("ian")
    Preference.objects.create(tenant_id="acme", person_id=ian, disabled_kinds=["offboarding_trouble"])
    world["scim"].stop()  # the chat grants cannot be removed: their items fail
    with django_capture_on_commit_callbacks(execute=True):
        person_deactivate(actor=DIRECTORY_ADMIN, obj=world["alice"])
    run_pass()
    opened = "[Acme] Alice Liddell is leaving: offboarding opened"
    assert subjects(smtp, "mia@acme.invalid") == [opened]
    assert subjects(smtp, "ivy@acme.invalid") == [opened] and subjects(smtp, "ian@acme.invalid") == [opened]
    case = OffboardingCase.objects.get(person_id="per_alice")
    to_manager = smtp.to("mia@acme.invalid")[0].part("plain")
    assert "laptop" in to_manager and "/portal/waiting/" in to_manager and case.pk not in to_manager
    assert f"/admin/lifecycle/offboardingcase/{case.pk}/change/" in smtp.to("ivy@acme.invalid")[0].part("plain")
    assert smtp.to("alice@acme.invalid") == []

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_sweep()
    run_pass()
    failed = sorted(s for s in subjects(smtp, "ivy@acme.invalid") if "failed" in s)
    assert failed == ["[Acme] Offboarding item failed: Chat · Admins (Alice Liddell)",
                      "[Acme] Offboarding item failed: Chat · Users (Alice Liddell)"]
    assert "Chat" in smtp.to("ivy@acme.invalid")[-1].part("plain")
    assert subjects(smtp, "mia@acme.invalid") == [opened]  # the manager is not told of IT's troubles

    later = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle_sweep(now=later)
        lifecycle_sweep(now=later + timedelta(minutes=1))  # once per case
    run_pass()
    overdue = [s for s in subjects(smtp, "ivy@acme.invalid") if "overdue" in s]
    assert overdue == ["[Acme] Offboarding overdue: Alice Liddell"]
    case.refresh_from_db()
    assert case.overdue_at == later
    assert subjects(smtp, "ian@acme.invalid") == [opened]  # turned IT's troubles off
    skipped = Notification.objects.filter(recipient_id=ian, kind="offboarding_trouble")
    assert skipped.count() == 3 and {n.status for n in skipped} == {"skipped"}
