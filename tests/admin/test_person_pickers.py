"""Person fields in the admin are pickers over the tenant's directory: names and emails, never
another tenant's people, and a forged or mistyped id is a form error that saves nothing."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.approvals.models import ApprovalChain
from apps.directory.services import person_deactivate
from apps.directory.models import Person
from apps.core.principal import Principal
from apps.policies.models import Policy
from tests.admin.seeding import USERS, seeded_module

AUTOCOMPLETE = "/admin/people/autocomplete/"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


@pytest.fixture
def as_user(client, seeded, db):
    def sign_in(who: str):
        client.force_login(User.objects.get(username=USERS.get(who, who)))
        return client
    return sign_in


def test_the_autocomplete_offers_active_people_of_the_users_tenant_only(as_user):
    found = as_user("agent").get(AUTOCOMPLETE, {"term": "grace"}).json()
    assert [r["id"] for r in found["results"]] == ["per_acme_approver"]
    assert found["results"][0]["text"] == "Grace Hopper <grace.hopper@acme.example>"
    everyone = as_user("agent").get(AUTOCOMPLETE).json()["results"]
    assert everyone and set(Person.objects.filter(pk__in=[r["id"] for r in everyone]).values_list("tenant_id", flat=True)) \
        == {"acme"} and Person.objects.filter(pk__in=[r["id"] for r in everyone]).count() == len(everyone)
    # another tenant's person, by name or by id, and whatever tenant the request names
    assert as_user("agent").get(AUTOCOMPLETE, {"term": "Scorpio"}).json()["results"] == []
    assert as_user("agent").get(AUTOCOMPLETE, {"term": "per_globex_admin", "tenant": "globex"}).json()["results"] == []


def test_the_autocomplete_leaves_out_inactive_people_and_needs_a_staff_login(as_user, client):
    person_deactivate(actor=Principal(person_id="per_acme_admin", tenant_id="acme", roles=frozenset({"admin"})),
                      obj=Person.objects.get(pk="per_acme_member2"))
    assert as_user("admin").get(AUTOCOMPLETE, {"term": "Erika"}).json()["results"] == []
    client.logout()
    assert client.get(AUTOCOMPLETE).status_code == 302  # to the admin login
    assert as_user("no_membership").get(AUTOCOMPLETE).json()["results"] == []


def test_a_person_field_shows_the_picker_with_the_current_persons_name(as_user):
    policy = Policy.objects.filter(tenant_id="acme").first()
    Policy.objects.filter(pk=policy.pk).update(owner_id="per_acme_hr")
    page = as_user("admin").get(reverse("admin:policies_policy_change", args=[policy.pk])).content.decode()
    assert 'name="owner_id"' in page and f'data-ajax--url="{AUTOCOMPLETE}' in page
    assert "Hannah Reyes &lt;hannah.reyes@acme.example&gt;" in page


def test_a_chain_takes_people_in_order_and_refuses_an_unknown_one(as_user):
    client = as_user("admin")
    url = reverse("admin:approvals_approvalchain_add")
    body = {"name": "Travel over budget", "entity_type": "Travel", "is_active": "on", "tags": "[]",
            "approver_ids": ["per_acme_approver", "per_acme_itt"]}
    refused = client.post(url, body)
    assert refused.status_code == 200
    assert "Not an active person of this tenant: per_acme_itt." in str(refused.context["adminform"].form.errors)
    assert not ApprovalChain.objects.filter(name="Travel over budget").exists()
    foreign = client.post(url, {**body, "approver_ids": ["per_globex_approver"]})
    assert "per_globex_approver" in str(foreign.context["adminform"].form.errors)
    saved = client.post(url, {**body, "approver_ids": ["per_acme_admin", "per_acme_approver"]})
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert ApprovalChain.objects.get(name="Travel over budget").approver_ids == ["per_acme_admin", "per_acme_approver"]


def test_a_person_who_left_stays_valid_until_the_field_changes(as_user):
    chain = ApprovalChain.objects.filter(tenant_id="acme").first()
    ApprovalChain.objects.filter(pk=chain.pk).update(approver_ids=["per_acme_member2"])
    person_deactivate(actor=Principal(person_id="per_acme_admin", tenant_id="acme", roles=frozenset({"admin"})),
                      obj=Person.objects.get(pk="per_acme_member2"))
    client = as_user("admin")
    url = reverse("admin:approvals_approvalchain_change", args=[chain.pk])
    body = {"name": "Renamed", "entity_type": chain.entity_type, "is_active": "on", "tags": "[]",
            "approver_ids": ["per_acme_member2"]}
    assert client.post(url, body).status_code == 302
    added = client.post(url, {**body, "approver_ids": ["per_acme_member2", "per_acme_nobody"]})
    assert added.status_code == 200 and "per_acme_nobody" in str(added.context["adminform"].form.errors)
    assert ApprovalChain.objects.get(pk=chain.pk).approver_ids == ["per_acme_member2"]


def test_a_person_or_group_field_names_either_and_its_type_follows_the_choice(as_user):
    """An access request's principal is a person or a group: the picker offers both by name, the
    page names the group, a save picking a group makes the request a group's, another tenant's group
    is a form error."""
    from apps.directory.models import Group
    from apps.operations.models import AccessRequest
    from tests.admin.forms import form_as_posted

    team = Group.objects.create(tenant_id="acme", id="grp_acme_release", display_name="Release team")
    foreign = Group.objects.create(tenant_id="globex", id="grp_globex_ops", display_name="Ops")
    client = as_user("admin")
    offered = client.get("/admin/principals/autocomplete/", {"term": "release"}).json()["results"]
    assert offered == [{"id": team.pk, "text": "Release team (group)"}]
    assert client.get("/admin/principals/autocomplete/", {"term": "ops"}).json()["results"] == []
    url = reverse("admin:operations_accessrequest_add")
    page = client.get(url)
    assert 'data-testid="principal-picker"' in page.content.decode()
    body = {**form_as_posted(page), "system_id": "github", "access_type": "new", "justification": "Releases.",
            "tags": "[]"}
    refused = client.post(url, {**body, "principal_id": foreign.pk})
    assert "Not an active person or a group of this tenant: grp_globex_ops." in str(
        refused.context["adminform"].form.errors)
    assert not AccessRequest.objects.filter(principal_id=foreign.pk).exists()
    saved = client.post(url, {**body, "principal_id": team.pk, "principal_type": "person"})
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    access = AccessRequest.objects.get(principal_id=team.pk)
    assert access.principal_type == "group"
    change = client.get(reverse("admin:operations_accessrequest_change", args=[access.pk])).content.decode()
    assert "Release team (group)" in change and f">{team.pk}<" not in change
