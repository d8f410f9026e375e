"""Access owners hear N days before a time-bound grant ends: once per expiry date, again after a renewal."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.operations.actions import access_request_renew
from apps.core import services as core
from apps.core.models import Event
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from tests.factories import AccessRequestFactory

pytestmark = pytest.mark.django_db
IT = Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"it"}))


def grant(days: float, **kw):
    return AccessRequestFactory(**{
        "tenant_id": "acme", "status": "provisioned", "requester_id": "per_member", "principal_id": "per_ann",
        "principal_type": "person", "system_id": "github", "entitlement_type": "maintainer",
        "expires_at": timezone.now() + timedelta(days=days), **kw})


def test_holder_and_requester_hear_once_before_the_grant_ends_and_again_after_a_renewal(smtp, team):
    soon, later = grant(3), grant(10)
    call_command("expire_access", "--warn-days", "7")
    call_command("expire_access", "--warn-days", "7")  # a second sweep warns of nothing new
    run_pass()
    subject = "[Acme Corp] Access ends in 3 days: github (maintainer)"
    assert [m.subject for m in smtp.to("member@acme.test")] == [subject]
    assert [m.subject for m in smtp.to("ann@acme.test")] == [subject]
    mail = smtp.to("ann@acme.test")[0]
    assert "holder of access" in mail.part("plain") and "ask IT to renew" in mail.part("html")
    assert Event.objects.filter(type="operations.access_request.expiring", entity_id=later.pk).count() == 0

    soon.refresh_from_db()
    access_request_renew(actor=IT, access_request=soon, expires_at=timezone.now() + timedelta(days=6))
    call_command("expire_access", "--warn-days", "7")
    run_pass()
    assert [m.subject for m in smtp.to("ann@acme.test")][1:] == ["[Acme Corp] Access ends in 6 days: github (maintainer)"]
    assert Event.objects.filter(type="operations.access_request.expiring", entity_id=soon.pk).count() == 2


def test_a_group_grant_warns_its_requester_and_zero_days_warns_nobody(smtp, team):
    grant(2, principal_type="group")
    call_command("expire_access", "--warn-days", "0")
    assert not Event.objects.filter(type="operations.access_request.expiring").exists()
    call_command("expire_access", "--warn-days", "7")
    run_pass()
    assert [m.subject for m in smtp.to("member@acme.test")] == ["[Acme Corp] Access ends in 2 days: github (maintainer)"]
    assert smtp.to("ann@acme.test") == []
