"""A small world for the portal: in acme an employee (no staff role), two approvers without admin
access (roles on their membership, no staff flag), an IT person, a catalog entitlement with a
90-day limit and a two-step approval chain for access requests; in globex one employee."""
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from apps.approvals.models import ApprovalChain
from apps.directory.models import Person
from apps.core.models import StaffMembership, Tenant
from apps.core.principal import system_principal
from apps.core import services as core
from apps.integration.catalog_models import AccessSystem, Entitlement

PASSWORD = "portal-pass-123"


@dataclass
class World:
    employee: User
    approver1: User
    approver2: User
    it: User
    other: User  # a second employee of acme
    foreign: User  # globex's employee
    entitlement: Entitlement
    globex_entitlement: Entitlement


def person(tenant: str, pid: str, given: str, family: str) -> Person:
    return Person.objects.create(id=pid, tenant_id=tenant, user_name=f"{given.lower()}@{tenant}.invalid",
                                 display_name=f"{given} {family}", given_name=given, family_name=family,
                                 email=f"{given.lower()}@{tenant}.invalid")


def login_user(tenant: str, username: str, pid: str, roles=(), *, staff: bool = False) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=staff, first_name=username.title())
    StaffMembership.objects.create(user=user, tenant_id=tenant, person_id=pid, roles=list(roles))
    return user


def entitlement(tenant: str, name: str, max_days=90) -> Entitlement:
    system = AccessSystem.objects.create(tenant_id=tenant, name=f"GitHub {tenant}")
    return Entitlement.objects.create(tenant_id=tenant, system=system, name=name, max_duration_days=max_days,
                                      default_duration_days=30)


@pytest.fixture
def world(db, settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for slug in ("acme", "globex"):
        Tenant.objects.get_or_create(id=slug, defaults={"name": slug.title()})
    person("acme", "per_emp", "Max", "Mustermann")
    person("acme", "per_other", "Erika", "Musterfrau")
    person("acme", "per_ap1", "Grace", "Hopper")
    person("acme", "per_ap2", "Ada", "Lovelace")
    person("acme", "per_it", "Linus", "Berg")
    person("globex", "per_gx", "Frank", "Grimes")
    core.record_create(actor=system_principal("acme"), obj=ApprovalChain(
        name="Access", entity_type="AccessRequest", approver_ids=["per_ap1", "per_ap2"]))
    return World(
        employee=login_user("acme", "max", "per_emp"),
        approver1=login_user("acme", "grace", "per_ap1", ["approver"]),
        approver2=login_user("acme", "ada", "per_ap2", ["approver"]),
        it=login_user("acme", "linus", "per_it", ["it"], staff=True),
        other=login_user("acme", "erika", "per_other"),
        foreign=login_user("globex", "frank", "per_gx"),
        entitlement=entitlement("acme", "Maintainer"),
        globex_entitlement=entitlement("globex", "Owner"),
    )


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
