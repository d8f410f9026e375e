"""The campaign admin as HR: choices stay in the tenant, the list shows each campaign's progress as
last counted (launch, close, the reminder sweep, "Recount now") and costs the same queries for 2 or 12
campaigns, and the change page names who is outstanding."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.policies.services import acknowledgement_campaign_close, acknowledgement_campaign_launch
from apps.core import services as core
from apps.core.principal import Principal
from apps.policies.models import AcknowledgementCampaign
from apps.policies.services import acknowledgement_campaigns_remind
from tests.factories import AcknowledgementCampaignFactory, StaffMembershipFactory
from tests.policies.test_campaigns import acknowledge

pytestmark = pytest.mark.django_db
LIST = "/admin/policies/acknowledgementcampaign/"


@pytest.fixture
def hr_client(client, directory):
    membership = StaffMembershipFactory(tenant__id="acme", user__username="hanna", person_id="per_eve", roles=["hr"])
    client.force_login(membership.user)
    return client


def form(directory, **extra):
    due = timezone.now() + timedelta(days=10)
    return {"policy": directory.policy.pk, "audience": "groups", "groups": [directory.sales.pk],
            "due_at_0": due.strftime("%Y-%m-%d"), "due_at_1": "12:00:00", "remind_every_days": "2",
            "remind_on_due": "on", "message": "", **extra}


def test_hr_creates_a_campaign_with_groups_of_the_tenant_only(hr_client, directory):
    page = hr_client.get(f"{LIST}add/")
    assert page.status_code == 200 and directory.globex_team.pk.encode() not in page.content
    # the groups are an autocomplete (a select would hold every group of the tenant): it answers in the tenant
    offered = hr_client.get("/admin/autocomplete/", {"app_label": "policies", "model_name": "acknowledgementcampaign",
                                                     "field_name": "groups", "term": ""}).json()["results"]
    ids = {o["id"] for o in offered}
    assert directory.sales.pk in ids and directory.globex_team.pk not in ids

    refused = hr_client.post(f"{LIST}add/", form(directory, groups=[directory.globex_team.pk]))
    assert refused.status_code == 200 and b"errorlist" in refused.content
    assert not AcknowledgementCampaign.objects.exists()

    saved = hr_client.post(f"{LIST}add/", form(directory))
    assert saved.status_code == 302
    campaign = AcknowledgementCampaign.objects.get()
    assert (campaign.created_by, campaign.version, campaign.remind_every_days) == ("per_eve", "1.0.0", 2)
    assert list(campaign.groups.all()) == [directory.sales]


def test_the_change_page_shows_progress_and_who_is_outstanding(hr_client, directory):
    campaign = AcknowledgementCampaignFactory(policy=directory.policy, launched=True, audience="groups")
    campaign.groups.set([directory.engineering, directory.sales])
    acknowledge("per_bob", directory.policy)
    page = hr_client.get(f"{LIST}{campaign.pk}/change/").content.decode()
    assert "Not counted yet" in page and 'data-testid="recount"' in page
    assert page.count('class="ack-outstanding"') == 2 and "ann@acme.test" in page and "bob@acme.test" not in page
    assert hr_client.get(f"{LIST}{campaign.pk}/recount/").status_code == 405
    counted = hr_client.post(f"{LIST}{campaign.pk}/recount/")
    assert counted.status_code == 302 and counted["Location"].endswith(f"{campaign.pk}/change/")
    campaign.refresh_from_db()
    assert (campaign.counted_audience, campaign.counted_acknowledged) == (3, 1) and campaign.counted_at
    page = hr_client.get(f"{LIST}{campaign.pk}/change/").content.decode()
    assert "1 of 3 (33.3 %)" in page and "2 outstanding, as counted at" in page

    other = AcknowledgementCampaignFactory(tenant_id="globex", policy__tenant_id="globex")
    assert hr_client.get(f"{LIST}{other.pk}/change/").status_code == 404
    assert hr_client.post(f"{LIST}{other.pk}/recount/").status_code == 404
    other.refresh_from_db()
    assert other.counted_at is None


def test_the_list_costs_the_same_queries_for_more_campaigns(hr_client, directory):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = hr_client.get(LIST)
        assert page.status_code == 200
        return len(captured)

    for _ in range(2):
        AcknowledgementCampaignFactory(policy=directory.policy, launched=True)
    few = queries()
    for _ in range(10):
        AcknowledgementCampaignFactory(policy=directory.policy, launched=True, audience="groups").groups.set(
            [directory.sales])
    acknowledge("per_cat", directory.policy)
    assert queries() == few
    listing = hr_client.get(LIST).content.decode()
    assert "not counted yet" in listing and "1 of 2 (50.0 %)" not in listing  # a list page never counts
    acknowledgement_campaigns_remind()  # the sweep counts every open campaign
    assert "1 of 2 (50.0 %)" in hr_client.get(LIST).content.decode()
    assert queries() == few


def test_launching_and_closing_count_the_audience(directory):
    hr = Principal(person_id="per_eve", tenant_id="acme", roles=frozenset({"hr"}))
    campaign = AcknowledgementCampaignFactory(policy=directory.policy, audience="groups")
    campaign.groups.set([directory.engineering, directory.sales])
    assert campaign.counted_at is None
    acknowledgement_campaign_launch(actor=hr, acknowledgement_campaign=campaign)
    campaign.refresh_from_db()
    assert (campaign.counted_audience, campaign.counted_acknowledged) == (3, 0) and campaign.counted_at
    acknowledge("per_bob", directory.policy)
    acknowledgement_campaign_close(actor=hr, acknowledgement_campaign=AcknowledgementCampaign.objects.get(pk=campaign.pk))
    campaign.refresh_from_db()
    assert (campaign.counted_audience, campaign.counted_acknowledged) == (3, 1)


def test_the_admins_count_is_not_part_of_the_api_or_its_events(directory):
    from apps.core.models import Event
    from tests.conftest import make_token
    from rest_framework.test import APIClient

    hr = Principal(person_id="per_eve", tenant_id="acme", roles=frozenset({"hr"}))
    campaign = AcknowledgementCampaignFactory(policy=directory.policy)
    acknowledgement_campaign_launch(actor=hr, acknowledgement_campaign=campaign)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(sub='per_eve', roles=['hr'])}")
    body = client.get(f"/api/v1/policies/acknowledgement-campaigns/{campaign.pk}").json()
    assert "audience_size" in body and not any(k.startswith("counted_") for k in body)
    assert client.get("/api/v1/policies/acknowledgement-campaigns?counted_audience=1").status_code == 400
    launched = Event.objects.filter(entity_id=campaign.pk).order_by("-id").first()
    assert launched is not None and not any(k.startswith("counted_") for k in launched.payload)


def test_an_acknowledgement_moves_the_listed_progress_at_once(hr_client, directory):
    """The list is current when read: each acknowledgement counts on the open campaigns whose audience
    holds the person (not someone outside it, not twice, not a closed campaign), without a recount."""
    hr = Principal(person_id="per_eve", tenant_id="acme", roles=frozenset({"hr"}))
    sales = AcknowledgementCampaignFactory(policy=directory.policy, audience="groups")
    sales.groups.set([directory.sales])  # bob, cat
    everyone = AcknowledgementCampaignFactory(policy=directory.policy, audience="everyone")
    for campaign in (sales, everyone):
        acknowledgement_campaign_launch(actor=hr, acknowledgement_campaign=campaign)
    acknowledge("per_bob", directory.policy)
    acknowledge("per_bob", directory.policy)  # a second acknowledgement changes nothing
    acknowledge("per_ann", directory.policy)  # not in sales
    sales.refresh_from_db()
    everyone.refresh_from_db()
    assert (sales.counted_audience, sales.counted_acknowledged) == (2, 1)
    assert (everyone.counted_audience, everyone.counted_acknowledged) == (5, 2)
    assert "1 of 2 (50.0 %)" in hr_client.get(LIST).content.decode()
    acknowledgement_campaign_close(actor=hr, acknowledgement_campaign=AcknowledgementCampaign.objects.get(pk=sales.pk))
    acknowledge("per_cat", directory.policy)
    sales.refresh_from_db()
    assert sales.counted_acknowledged == 1  # closed: its count is the record of the close
