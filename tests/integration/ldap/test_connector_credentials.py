"""Connector credentials: kept in the secret store (never in config, events or history), a rotation
reminder to the owner once per due date, and the OAuth refresh flag."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Event
from apps.core.principal import Principal
from apps.integration.credentials import connector_credentials_sweep
from apps.integration.models import Connector
from apps.integration.secret_store import secret_store
from apps.integration.services import connector_create, connector_update
from apps.notifications.engine import fan_out
from apps.notifications.models import Notification
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
PASSWORD = "bind-pw-7c1f0e"


def ldap_connector() -> Connector:
    return connector_create(actor=ADMIN, data={
        "type": "ldap", "provider": "openldap", "name": "Directory", "owner_id": "per_owner",
        "config": {"url": "ldap://127.0.0.1:1", "bind_dn": "cn=admin,dc=acme,dc=invalid",
                   "user_base_dn": "ou=people,dc=acme,dc=invalid"},
        "credentials": {"bind_password": PASSWORD}})


def test_the_bind_password_lives_in_the_secret_store_only():
    connector = ldap_connector()
    assert secret_store().get(connector.vault_path) == {"bind_password": PASSWORD}
    assert PASSWORD not in str(connector.config)
    assert not any(PASSWORD in str(h.config) for h in connector.history.all())
    assert all(PASSWORD not in str(e.payload) for e in Event.objects.filter(entity_id=connector.pk))
    with pytest.raises(ValidationError, match="looks like a secret"):
        connector_update(actor=ADMIN, obj=connector, data={"config": {**connector.config, "bind_password": "x"}})
    rotated = connector.credential_last_rotated_at
    assert connector.next_rotation_due == rotated + timedelta(days=90)


def test_rotating_moves_the_due_date():
    connector = ldap_connector()
    before = connector.next_rotation_due
    connector = connector_update(actor=ADMIN, obj=Connector.objects.get(pk=connector.pk),
                                 data={"credentials": {"bind_password": "new-" + PASSWORD}})
    assert secret_store().get(connector.vault_path) == {"bind_password": "new-" + PASSWORD}
    assert connector.next_rotation_due > before


def test_the_owner_is_reminded_once_per_due_date():
    StaffMembershipFactory(tenant__id="acme", person_id="per_owner", user__username="owner",
                           user__email="owner@acme.invalid", roles=["it"])
    connector = ldap_connector()
    assert connector_credentials_sweep()["reminded"] == 0  # due in 90 days: nothing yet
    Connector.objects.filter(pk=connector.pk).update(next_rotation_due=timezone.now() + timedelta(days=3))
    call_command("connector_credentials", stdout=__import__("io").StringIO())
    assert connector_credentials_sweep()["reminded"] == 0  # once per due date
    event = Event.objects.get(type="integration.connector.credential_rotation_due")
    assert event.payload["overdue"] is False and PASSWORD not in str(event.payload)
    fan_out()
    assert Notification.objects.get(kind="connector_credentials").recipient_id == "per_owner"
    Connector.objects.filter(pk=connector.pk).update(next_rotation_due=timezone.now() - timedelta(days=1))
    assert connector_credentials_sweep()["reminded"] == 1  # a new due date (overdue now): reminded again
    assert Event.objects.filter(type="integration.connector.credential_rotation_due", payload__overdue=True).count() == 1


def test_an_expiring_oauth_token_needs_a_refresh():
    connector = ldap_connector()
    Connector.objects.filter(pk=connector.pk).update(oauth_token_expires_at=timezone.now() + timedelta(minutes=5))
    assert connector_credentials_sweep()["oauth_refresh_needed"] == 1
    assert Connector.objects.get(pk=connector.pk).oauth_refresh_needed
    Connector.objects.filter(pk=connector.pk).update(oauth_token_expires_at=timezone.now() + timedelta(days=1))
    assert connector_credentials_sweep()["oauth_refreshed"] == 1
    assert not Connector.objects.get(pk=connector.pk).oauth_refresh_needed


def test_the_admin_writes_new_credentials_to_the_secret_store(client):
    user = StaffMembershipFactory(tenant__id="acme", person_id="per_boss", user__username="boss", roles=["admin"]).user
    connector = ldap_connector()
    client.force_login(user)
    url = f"/admin/integration/connector/{connector.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and PASSWORD not in page.content.decode()
    from tests.admin.forms import page_as_posted

    saved = client.post(url, {**page_as_posted(page), "credentials": '{"bind_password": "rotated-pw-42"}'})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    connector = Connector.objects.get(pk=connector.pk)
    assert secret_store().get(connector.vault_path) == {"bind_password": "rotated-pw-42"}
    assert "rotated-pw-42" not in str(connector.config) and "rotated-pw-42" not in client.get(url).content.decode()
    assert all("rotated-pw-42" not in str(h.config) for h in connector.history.all())
