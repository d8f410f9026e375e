"""A connector's `config` is returned and kept in history: a secret-looking key anywhere in it, inside
objects or lists at any depth, is refused (400, nothing stored), as a top-level one is."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.models import Event
from apps.integration.models import Connector, StoredSecret
from tests.admin.forms import form_as_posted
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integration/connectors"
NESTED = [
    {"servers": [{"host": "ldap.invalid", "password": "hunter2"}]},
    {"servers": [[{"auth": {"api_key": "hunter2"}}]]},
    {"hosts": [{"name": "a"}, {"name": "b", "credentials": ["hunter2"]}]},
]


@pytest.mark.parametrize("config", NESTED)
def test_secrets_in_lists_are_refused_on_create(admin_a, config):
    response = admin_a.post(BASE, {"type": "manual", "provider": "other", "name": "S", "config": config}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "config"
    assert not Connector.all_objects.exists() and not StoredSecret.objects.exists()
    assert "hunter2" not in str(list(Event.objects.values_list("payload", flat=True)))


def test_secrets_in_lists_are_refused_on_update(admin_a):
    created = admin_a.post(BASE, {"type": "manual", "provider": "other", "name": "S",
                                  "config": {"servers": [{"host": "ldap.invalid"}]}}, format="json")
    assert created.status_code == 201, created.content
    url = f"{BASE}/{created.json()['id']}"
    response = admin_a.patch(url, {"config": {"servers": [{"host": "ldap.invalid", "password": "hunter2"}]}},
                             format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "config"
    assert Connector.objects.get().config == {"servers": [{"host": "ldap.invalid"}]}
    assert "hunter2" not in admin_a.get(url).content.decode()
    assert "hunter2" not in str(list(Connector.history.values()))


def test_the_admin_form_refuses_them_too(client):
    membership = StaffMembershipFactory(tenant__id="acme", user__username="boss", roles=["admin"])
    client.force_login(User.objects.get(pk=membership.user_id))
    url = reverse("admin:integration_connector_add")
    data = {k: v for k, v in form_as_posted(client.get(url)).items() if v is not None} | {
        "name": "S", "type": "manual", "provider": "other", "config": '{"servers": [{"password": "hunter2"}]}'}
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error on the field
    assert "looks like a secret" in str(response.context["adminform"].form.errors)
    assert not Connector.all_objects.exists() and not StoredSecret.objects.exists()
