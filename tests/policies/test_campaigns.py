"""Acknowledgement campaigns through the API and the services: audience, progress, tenancy, the
launch mail and reminders once per slot over real SMTP."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.policies.services import acknowledgement_campaign_close, acknowledgement_campaign_launch
from apps.core import services as core
from apps.core.models import Event
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification
from apps.policies.campaigns import progress_of
from apps.policies.models import AcknowledgementCampaign
from apps.policies.services import acknowledgement_campaigns_remind, policy_acknowledge, policy_update
from tests.factories import AcknowledgementCampaignFactory, PolicyAcknowledgementFactory, PolicyFactory
from tests.policies.conftest import HR
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/policies/acknowledgement-campaigns"


class TestAcknowledgementCampaignResource(TenantIsolationTests, QueryCountTests, StateMachineTests,
                                          SerializerPropertyTests, RenderingTests, StampTests):
    model = AcknowledgementCampaign


@pytest.fixture
def hr(caller):
    return caller("acme", "per_hr", ("hr",))


def due(days=14):
    return (timezone.now() + timedelta(days=days)).isoformat()


def create(client, policy, **extra):
    response = client.post(URL, {"policy": policy.pk, "due_at": due(), **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def acknowledge(person_id, policy):
    return policy_acknowledge(actor=Principal(person_id=person_id, tenant_id="acme"), obj=policy)


def test_hr_creates_and_launches_a_group_campaign_whose_progress_counts_acknowledgements(hr, directory):
    d = directory
    body = create(hr, d.policy, audience="groups", groups=[d.engineering.pk, d.sales.pk], remind_every_days=3)
    assert body["status"] == "draft" and body["version"] == d.policy.version == "1.0.0"
    assert sorted(body["groups"]) == sorted([d.engineering.pk, d.sales.pk])
    # ann, bob (in both, counted once), cat; old is inactive
    assert (body["audience_size"], body["acknowledged_count"], body["percent_acknowledged"]) == (3, 0, 0.0)

    launched = hr.post(f"{URL}/{body['id']}/launch", format="json")
    assert launched.status_code == 200 and launched.json()["status"] == "open"
    assert Event.objects.filter(type="policies.acknowledgement_campaign.launched", entity_id=body["id"]).count() == 1

    acknowledge("per_bob", d.policy)
    acknowledge("per_eve", d.policy)  # not in the audience: does not count
    read = hr.get(f"{URL}/{body['id']}").json()
    assert (read["audience_size"], read["acknowledged_count"], read["outstanding_count"],
            read["percent_acknowledged"]) == (3, 1, 2, 33.3)
    outstanding = hr.get(f"{URL}/{body['id']}/outstanding").json()["results"]
    assert [p["id"] for p in outstanding] == ["per_ann", "per_cat"]

    listed = hr.get(URL).json()["results"]
    assert [(c["id"], c["acknowledged_count"], c["audience_size"]) for c in listed] == [(body["id"], 1, 3)]


def test_everyone_campaign_counts_active_people_of_the_tenant_only(hr, directory):
    body = create(hr, directory.policy)
    assert body["audience"] == "everyone" and body["audience_size"] == 5  # five active acme people


def test_an_acknowledgement_of_another_version_does_not_count(hr, directory):
    campaign = AcknowledgementCampaignFactory(policy=directory.policy, launched=True)
    PolicyAcknowledgementFactory(policy=directory.policy, version="0.9.0", person_id="per_ann")
    acknowledge("per_bob", directory.policy)
    assert progress_of(campaign).acknowledged == 1


def test_another_tenants_groups_and_policies_are_refused(hr, directory, caller):
    d = directory
    response = hr.post(URL, {"policy": d.policy.pk, "due_at": due(), "audience": "groups",
                             "groups": [d.globex_team.pk]}, format="json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert "groups" in response.content.decode()
    foreign = PolicyFactory(tenant_id="globex", published=True)
    assert hr.post(URL, {"policy": foreign.pk, "due_at": due()}, format="json").status_code == 400
    assert AcknowledgementCampaign.all_objects.count() == 0

    campaign = create(hr, d.policy)
    gina = caller("globex", "per_gina", ("hr",))
    assert gina.get(f"{URL}/{campaign['id']}").status_code == 404
    assert gina.get(f"{URL}/{campaign['id']}/outstanding").status_code == 404
    assert gina.post(f"{URL}/{campaign['id']}/launch", format="json").status_code == 404
    assert gina.get(URL).json()["results"] == []


def test_members_cannot_see_or_create_campaigns(caller, directory):
    member = caller("acme", "per_ann")
    assert member.post(URL, {"policy": directory.policy.pk, "due_at": due()}, format="json").status_code in (400, 403)
    campaign = AcknowledgementCampaignFactory(policy=directory.policy)
    assert member.get(f"{URL}/{campaign.pk}").status_code == 404
    assert member.get(URL).json()["results"] == []


def test_bad_input_is_a_4xx(hr, directory):
    assert hr.post(URL, {"policy": directory.policy.pk, "due_at": "yesterday"}, format="json").status_code == 400
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert hr.post(URL, {"policy": directory.policy.pk, "due_at": past}, format="json").status_code == 400
    assert hr.post(URL, {"policy": directory.policy.pk, "due_at": due(), "groups": [directory.sales.pk]},
                   format="json").status_code == 400  # groups with audience everyone
    body = create(hr, directory.policy, audience="groups")
    response = hr.post(f"{URL}/{body['id']}/launch", format="json")  # no group chosen
    assert response.status_code == 400 and AcknowledgementCampaign.objects.get().status == "draft"


def test_launching_needs_the_published_current_version(hr, directory):
    body = create(hr, directory.policy)
    policy_update(actor=HR, obj=directory.policy, data={"body": "# Rules\n\nBe very kind."})  # 1.1.0, in review
    response = hr.post(f"{URL}/{body['id']}/launch", format="json")
    assert response.status_code == 409 and "not the published one" in response.json()["detail"]


def test_groups_and_audience_freeze_once_launched(hr, directory):
    body = create(hr, directory.policy, audience="groups", groups=[directory.sales.pk])
    hr.post(f"{URL}/{body['id']}/launch", format="json")
    response = hr.patch(f"{URL}/{body['id']}", {"groups": [directory.engineering.pk]}, format="json")
    assert response.status_code == 409
    assert hr.patch(f"{URL}/{body['id']}", {"audience": "everyone"}, format="json").status_code == 409
    moved = hr.patch(f"{URL}/{body['id']}", {"due_at": due(30)}, format="json")
    assert moved.status_code == 200
    assert list(AcknowledgementCampaign.objects.get().groups.values_list("pk", flat=True)) == [directory.sales.pk]


def test_list_query_count_is_flat(hr, directory):
    for _ in range(2):
        AcknowledgementCampaignFactory(policy=directory.policy, launched=True, audience="groups").groups.set(
            [directory.engineering])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert hr.get(URL, {"page_size": 50}).status_code == 200
        return sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"])

    small = queries()
    for _ in range(10):
        AcknowledgementCampaignFactory(policy=directory.policy, launched=True)
    acknowledge("per_ann", directory.policy)
    assert queries() == small == 3  # the caller's active flag (read each request in DEBUG), the campaigns with their counts, their groups


# -- mail ---------------------------------------------------------------------------------------------------
def launch(campaign):
    return acknowledgement_campaign_launch(actor=HR, acknowledgement_campaign=campaign)


def test_launch_mails_the_outstanding_audience_once_and_the_link_acknowledges(smtp, directory, client):
    d = directory
    acknowledge("per_cat", d.policy)  # already read it: not asked
    campaign = AcknowledgementCampaignFactory(policy=d.policy, audience="groups", message="Please read before Friday.")
    campaign.groups.set([d.engineering, d.sales])
    launch(campaign)
    run_pass()
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == ["ann@acme.test", "bob@acme.test"]
    mail = smtp.to("ann@acme.test")[0]
    assert mail.subject.startswith("[Acme] Please acknowledge: Acceptable use (version 1.0.0)")
    assert "Please read before Friday." in mail.part("plain") and "Read and acknowledge" in mail.part("html")
    [link] = {w for w in mail.part("plain").split() if "/notifications/acknowledge/" in w}
    assert run_pass()["sent"] == 0 and len(smtp.messages) == 2

    path = link.split("testserver", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and b"I have read and understood" in page.content
    assert progress_of(campaign).acknowledged == 1  # a GET (a mail scanner) acknowledges nothing
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # a second press changes nothing
    assert progress_of(campaign).acknowledged == 2
    assert d.policy.acknowledgements.filter(person_id="per_ann", version="1.0.0").count() == 1
    assert Notification.objects.filter(kind="policy_acknowledgement_requested").count() == 2


def test_reminders_go_once_per_slot_to_who_has_not_acknowledged(smtp, directory):
    d = directory
    start = timezone.now()
    campaign = AcknowledgementCampaignFactory(policy=d.policy, audience="groups", remind_every_days=3,
                                              due_at=start + timedelta(days=7))
    campaign.groups.set([d.engineering, d.sales])
    launch(campaign)
    run_pass()
    assert len(smtp.messages) == 3  # ann, bob, cat asked
    campaign.refresh_from_db()
    launched = campaign.launched_at
    assert [s - launched for s in campaign.slots()] == [timedelta(days=3), timedelta(days=6),
                                                         campaign.due_at - launched]

    assert acknowledgement_campaigns_remind(now=launched + timedelta(days=2)) == []  # no slot reached yet
    acknowledge("per_bob", d.policy)
    day3 = launched + timedelta(days=3, hours=1)
    assert len(acknowledgement_campaigns_remind(now=day3)) == 1
    assert acknowledgement_campaigns_remind(now=day3) == []  # the same slot: nothing new
    run_pass()
    reminders = [m for m in smtp.messages if "Reminder" in m.subject]
    assert sorted(r for m in reminders for r in m.rcpt_tos) == ["ann@acme.test", "cat@acme.test"]
    assert run_pass()["sent"] == 0

    acknowledge("per_cat", d.policy)
    # the day-6 slot and the due date both passed while the sweep was down: one reminder, the final one
    later = campaign.due_at + timedelta(hours=1)
    [(_, slot)] = acknowledgement_campaigns_remind(now=later)
    assert slot == campaign.due_at
    assert acknowledgement_campaigns_remind(now=later + timedelta(days=5)) == []  # no slot after the due date
    run_pass()
    final = [m for m in smtp.messages if "due now" in m.subject]
    assert [m.rcpt_tos for m in final] == [["ann@acme.test"]]
    assert Event.objects.filter(type="policies.acknowledgement_campaign.reminder").count() == 2


def test_the_scheduled_command_reminds_and_a_closed_campaign_is_silent(smtp, directory):
    campaign = AcknowledgementCampaignFactory(policy=directory.policy, remind_every_days=1)
    launch(campaign)
    AcknowledgementCampaign.objects.filter(pk=campaign.pk).update(launched_at=timezone.now() - timedelta(days=1, hours=1))
    out = StringIO()
    call_command("policy_campaign_reminders", stdout=out)
    assert "1 campaign reminders" in out.getvalue()
    call_command("policy_campaign_reminders", stdout=out)
    assert out.getvalue().count("1 campaign reminders") == 1 and "0 campaign reminders" in out.getvalue()

    acknowledgement_campaign_close(actor=HR, acknowledgement_campaign=AcknowledgementCampaign.objects.get())
    AcknowledgementCampaign.objects.filter(pk=campaign.pk).update(launched_at=timezone.now() - timedelta(days=3, hours=1))
    assert acknowledgement_campaigns_remind() == []
    smtp.messages.clear()
    run_pass()  # the earlier launch/reminder events find the campaign closed: no one is mailed
    assert smtp.messages == []


def test_the_scheduler_runs_the_sweep():
    from apps.ops.schedule import default_jobs

    assert "policy_campaign_reminders" in {job.name for job in default_jobs()}
