"""Two seeded tenants (seed_demo itself) plus what the demo leaves out: a key, a webhook with a
delivery, a launched acknowledgement campaign (one the field policy keeps from deletion), a plain
member and a staff user of no tenant. Built once per test module inside an
outer transaction that is rolled back at the end; each test runs in a savepoint within it."""
import io
from contextlib import contextmanager

from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from apps.core.models import StaffMembership, Tenant
from apps.core.principal import Principal
from tests.factories import StaffMembershipFactory, UserFactory
from tests.factories.drift import DriftFindingFactory
from tests.factories.policies import AcknowledgementCampaignFactory

TENANTS = ("acme", "globex")
STAFF_ROLES = ("admin", "approver", "it", "hr", "agent", "travel")
# role name -> username of the acme user who has it
USERS = {**{role: f"acme-{role}" for role in STAFF_ROLES}, "member": "acme-member", "no_membership": "loner",
         "superuser": "admin"}


def seed_two_tenants() -> None:
    from apps.integration.models import Application
    from apps.integration.services import (
        integration_api_key_create,
        webhook_create,
        webhook_send_test,
    )

    call_command("seed_demo", stdout=io.StringIO())
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):  # 127.0.0.1 only: nothing is sent
        for slug in TENANTS:
            actor = Principal(person_id=f"per_{slug}_admin", tenant_id=slug, roles=frozenset({"admin"}),
                              source_type="system")
            app = Application.objects.get(tenant_id=slug, slug="hr-portal")
            integration_api_key_create(actor=actor, data={"name": f"{slug} reporting key", "scopes": ["*"],
                                                          "application_id": app.pk})
            hook = webhook_create(actor=actor, data={"name": f"{slug} audit hook", "url": "http://127.0.0.1:9/hook",
                                                     "event_types": ["*"], "application_id": app.pk})
            webhook_send_test(actor=actor, webhook=hook)
    for slug in TENANTS:
        AcknowledgementCampaignFactory(tenant_id=slug, launched=True, policy__owner_id=f"per_{slug}_hr")
    for slug in TENANTS:  # reconciliation's findings (made by a sync against a real target in tests/integration/ldap)
        DriftFindingFactory(tenant_id=slug, owner_id=f"per_{slug}_it")
    for slug in TENANTS:
        # The demo's portal login (`<slug>-employee`) is this person too: here they are a staff login with no role.
        StaffMembership.objects.filter(tenant_id=slug, person_id=f"per_{slug}_member").delete()
        StaffMembershipFactory(tenant=Tenant.objects.get(pk=slug), user__username=f"{slug}-member",
                               user__password="pw-member-123", person_id=f"per_{slug}_member", roles=[])
    UserFactory(username="loner", password="pw-loner-123")


@contextmanager
def seeded_module(django_db_blocker):
    """Seed once; roll everything back when the module is done."""
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed_two_tenants()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def foreign_ids(tenant: str = "globex") -> set[str]:
    """Every prefixed record id of `tenant` (records, history-free logs, outbox events)."""
    from django.apps import apps

    from apps.core.models import Event, TenantModel

    ids: set[str] = set(Event.objects.filter(tenant_id=tenant).values_list("id", flat=True))
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            ids |= set(model.all_objects.filter(tenant_id=tenant).values_list("id", flat=True))
        elif model._meta.label == "integration.WebhookDelivery":
            ids |= set(model.objects.filter(tenant_id=tenant).values_list("id", flat=True))
    return ids
