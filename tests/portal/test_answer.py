"""Waiting for me: policies HR asked the person to acknowledge (read, then acknowledge), and the
decision rules of the API (segregation of duties) on portal decisions."""
from datetime import timedelta

from django.utils import timezone

from apps.approvals.models import ApprovalStep
from apps.directory.models import Group
from apps.policies.campaign_models import AcknowledgementCampaign
from apps.policies.models import Policy, PolicyAcknowledgement
from apps.portal.views.ask import file_record
from apps.core.principal import Principal


def campaign(audience="everyone", groups=()):
    policy = Policy.objects.create(tenant_id="acme", name="Code of conduct", status="published",
                                   body="# Code\n\nBe kind to each other.")
    c = AcknowledgementCampaign.objects.create(tenant_id="acme", policy=policy, version=policy.version, status="open",
                                               audience=audience, due_at=timezone.now() + timedelta(days=7))
    c.groups.set(groups)
    return policy


def test_a_policy_is_read_then_acknowledged_once(client, world, as_user):
    policy = campaign()
    as_user(world.employee)
    waiting = client.get("/portal/waiting/").content.decode()
    assert "Code of conduct" in waiting and f"/portal/policies/{policy.pk}/" in waiting
    page = client.get(f"/portal/policies/{policy.pk}/").content.decode()
    assert "Be kind to each other." in page and 'name="read"' in page
    unticked = client.post(f"/portal/policies/{policy.pk}/", {})
    assert unticked.status_code == 400 and not PolicyAcknowledgement.objects.exists()
    assert client.post(f"/portal/policies/{policy.pk}/", {"read": "yes"}).status_code == 302
    assert PolicyAcknowledgement.objects.get().person_id == "per_emp"
    client.post(f"/portal/policies/{policy.pk}/", {"read": "yes"})
    assert PolicyAcknowledgement.objects.count() == 1
    assert "Code of conduct" not in client.get("/portal/waiting/").content.decode()
    assert "You acknowledged this version" in client.get(f"/portal/policies/{policy.pk}/").content.decode()


def test_a_group_campaign_asks_only_its_members(client, world, as_user):
    team = Group.objects.create(tenant_id="acme", display_name="Engineering")
    team.members.add("per_other")
    campaign(audience="groups", groups=[team])
    as_user(world.employee)
    assert "Code of conduct" not in client.get("/portal/waiting/").content.decode()
    as_user(world.other)
    assert "Code of conduct" in client.get("/portal/waiting/").content.decode()


def test_an_approver_never_decides_a_step_of_their_own_request(client, world, as_user):
    grace = Principal(person_id="per_ap1", tenant_id="acme", roles=frozenset({"approver"}), source_type="frontend")
    ent = world.entitlement
    mine = file_record(actor=grace, kind="access", data={
        "entitlement": ent, "system_id": ent.system_id, "entitlement_type": ent.name, "access_type": "new",
        "justification": "j"})
    steps = ApprovalStep.objects.filter(approval_request__entity_id=mine.pk)
    as_user(world.approver1)
    for step in steps:
        assert client.get(f"/portal/waiting/{step.pk}/").status_code == 404
    assert "Maintainer" not in client.get("/portal/waiting/").content.decode()
