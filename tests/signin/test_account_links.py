"""A provider's sign-in links to an existing staff user by e-mail only once an admin approved that
link (or a superuser marked the provider trusted for e-mail matching) — never silently; and an admin
who repoints the provider and approves the link cannot have the approver's decision count."""
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from apps.approvals.choices import StepStatus
from apps.approvals.services import approval_step_approve
from apps.core.admin_scope import principal_for
from apps.core.exceptions import Conflict
from apps.core.models import IdentityChange, StaffMembership, Tenant
from apps.core.principal import Principal
from apps.operations.services import access_request_create
from apps.signin import services
from apps.signin.models import IdentityProvider, ProviderLink
from tests.factories import ApprovalChainFactory, StaffMembershipFactory
from tests.notifications.conftest import smtp, step_of  # noqa: F401 (the SMTP server fixture)
from tests.signin.scripted_op import ScriptedProvider

pytestmark = pytest.mark.django_db
APPROVER = {"sub": "evil-sub-1", "email": "approver@acme.test", "email_verified": True, "groups": ["approvers"]}


@pytest.fixture
def acme(settings):
    settings.SIGNIN_ALLOW_PRIVATE_PROVIDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tenant = Tenant.objects.create(id="acme", name="Acme")
    boss = StaffMembershipFactory(tenant=tenant, user__username="acme-boss", user__email="boss@acme.test",
                                  person_id="per_boss", roles=["admin"])
    approver = StaffMembershipFactory(tenant=tenant, user__username="acme-approver", user__email="approver@acme.test",
                                      person_id="per_acme_approver", roles=["approver"])
    return tenant, boss.user, approver.user


@pytest.fixture
def op():
    provider = ScriptedProvider(client_id="bo-client")
    yield provider
    provider.close()


def point_provider_at(op, tenant, admin_user, **extra) -> IdentityProvider:
    """What the tenant's admin does in the admin: the provider becomes an OP they run."""
    return services.identity_provider_save(actor=admin_user, client_secret="s3cret-value-0123456789", provider=IdentityProvider(
        tenant=tenant, name="Acme Login", issuer=op.issuer, client_id="bo-client",
        role_mapping={"approvers": ["approver"]}, **op.discovery_endpoints(), **extra))


def test_a_match_by_email_waits_for_an_admin_and_the_admin_gains_no_decision(client, acme, op, smtp):
    tenant, boss, approver = acme
    ApprovalChainFactory(tenant_id="acme", name="Access", entity_type="AccessRequest",
                         approver_ids=["per_acme_approver"])
    boss_principal = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
    access = access_request_create(actor=boss_principal, data={
        "requester_id": "per_boss", "system_id": "prod-db", "access_type": "new", "entitlement_type": "admin",
        "justification": "Mine."})
    point_provider_at(op, tenant, boss)
    assert IdentityChange.objects.filter(kind="provider_config", changed_by="per_boss").exists()

    browser = Client()
    page = op.sign_in(browser, "acme", **APPROVER)
    assert "must approve linking" in page.content.decode()
    assert "_auth_user_id" not in browser.session
    link = ProviderLink.objects.get()
    assert link.approved_at is None and link.membership.user == approver and link.subject == "evil-sub-1"
    assert StaffMembership.objects.get(user=approver).roles == ["approver"]

    # The admin approves the link themselves: allowed, and recorded as theirs.
    client.force_login(boss)
    client.post(reverse("admin:signin_providerlink_changelist"), {"action": "approve", "_selected_action": [link.pk]})
    assert ProviderLink.objects.get().approved_by == "per_boss"
    assert IdentityChange.objects.filter(kind="provider_link", subject_id="per_acme_approver",
                                         changed_by="per_boss").exists()
    op.sign_in(browser, "acme", **APPROVER)
    assert browser.session["_auth_user_id"] == str(approver.pk)  # signed in as the approver…

    request = type("R", (), {"user": approver})()
    with pytest.raises(Conflict, match="cannot count yet"):  # …whose decision cannot count
        approval_step_approve(actor=principal_for(request), approval_step=step_of(access))
    assert step_of(access).status == StepStatus.PENDING
    access.refresh_from_db()
    assert access.status == "pending"
    assert not [m for m in smtp.messages if "approved" in m.subject.lower()]


def test_a_provider_trusted_by_a_superuser_links_at_once_and_says_so(acme, op):
    tenant, boss, approver = acme
    point_provider_at(op, tenant, boss, trust_email_matching=True)
    browser = Client()
    op.sign_in(browser, "acme", **APPROVER)
    assert browser.session["_auth_user_id"] == str(approver.pk)
    assert ProviderLink.objects.get().approved_by == "trusted provider"
    assert IdentityChange.objects.filter(kind="provider_link", subject_id="per_acme_approver").exists()


def test_only_a_superuser_may_mark_a_provider_trusted(client, acme, op):
    tenant, boss, approver = acme
    provider = point_provider_at(op, tenant, boss)
    client.force_login(boss)
    page = client.get(reverse("admin:signin_identityprovider_change", args=[provider.pk]))
    assert "trust_email_matching" not in page.context["adminform"].form.fields
    root = User.objects.create_superuser("root", "root@example.test", "pw-123456789")
    client.force_login(root)
    page = client.get(reverse("admin:signin_identityprovider_change", args=[provider.pk]))
    assert "trust_email_matching" in page.context["adminform"].form.fields
