"""Lifecycle fixtures: a catalog on the real SCIM target and slapd, a person holding grants in both,
a laptop, a manager who may decide, tasks run as a worker would run them."""
import pytest

from apps.directory.models import Person
from apps.core.principal import system_principal
from apps.files.models import Attachment
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.models import Connector
from apps.integration.secret_store import secret_path, secret_store
from apps.integration.services import connector_create
from apps.operations.models import AccessRequest
from tests.factories import EquipmentFactory, PersonFactory, StaffMembershipFactory
from tests.integration.ldap.conftest import ldap_tree, slapd_server  # noqa: F401  (the real slapd)

ADMIN = system_principal("acme", person_id="per_admin")


@pytest.fixture(autouse=True)
def files_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    return tmp_path / "files"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def grant(person: Person, entitlement: Entitlement) -> AccessRequest:
    return AccessRequest.objects.create(
        tenant_id="acme", requester_id=person.pk, principal_id=person.pk, created_by=person.pk, access_type="new",
        justification="job", entitlement=entitlement, system_id=entitlement.system_id,
        entitlement_type=entitlement.name, asset_id=entitlement.system_id, status="provisioned")


@pytest.fixture
def world(db, scim_target, ldap_tree):
    """alice (managed by mia, an approver) holds Chat·Admins and Chat·Users (SCIM target) and
    Directory·Engineering (slapd), and has a laptop."""
    mia = StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username="mia",
                                 user__email="mia@acme.invalid", roles=["approver"]).person_id
    alice = PersonFactory(id="per_alice", tenant_id="acme", user_name="alice@acme.invalid",
                          display_name="Alice Liddell", manager_id=mia)
    chat = connector_create(actor=ADMIN, data={
        "type": "scim", "provider": "generic_scim", "name": "Chat (SCIM)",
        "config": {"base_url": scim_target.url}, "credentials": {"token": scim_target.token}})
    ldap = Connector.objects.create(id="cnn_ldap", tenant_id="acme", type="ldap", provider="openldap",
                                    name="Directory", config=ldap_tree.config(user_attribute="mail"),
                                    vault_path=secret_path("acme", "connectors", "cnn_ldap", "credentials"))
    secret_store().put(ldap.vault_path, ldap_tree.secrets())
    chat_system = AccessSystem.objects.create(tenant_id="acme", name="Chat", connector=chat, owner_id="per_owner")
    dir_system = AccessSystem.objects.create(tenant_id="acme", name="Directory", connector=ldap, owner_id="per_owner")
    groups = {name: scim_target.create_group(name) for name in ("chat-admins", "chat-users")}
    user_id = scim_target.create_user("alice@acme.invalid")
    entitlements = {
        "admins": Entitlement.objects.create(tenant_id="acme", system=chat_system, name="Admins", target_ref=groups["chat-admins"]),
        "users": Entitlement.objects.create(tenant_id="acme", system=chat_system, name="Users", target_ref=groups["chat-users"]),
        "engineering": Entitlement.objects.create(tenant_id="acme", system=dir_system, name="Engineering",
                                                  target_ref=ldap_tree.group_dn("engineering")),
    }
    for group in groups.values():
        scim_target.add_member(group, user_id)
    grants = {key: grant(alice, entitlement) for key, entitlement in entitlements.items()}
    laptop = EquipmentFactory(tenant_id="acme", requester_id=alice.pk, created_by=alice.pk, status="delivered")
    return {"alice": alice, "mia": mia, "groups": groups, "entitlements": entitlements, "grants": grants,
            "laptop": laptop, "tree": ldap_tree, "scim": scim_target, "systems": (chat_system, dir_system)}


def attachments_of(case) -> list[Attachment]:
    return list(Attachment.objects.filter(tenant_id=case.tenant_id, record_id=case.pk).order_by("filename"))
