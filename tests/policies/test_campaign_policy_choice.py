"""A campaign asks for a published text: its policy picker offers no drafts and no retired policies,
and the API refuses one with a 400 that creates nothing."""
import pytest

from apps.policies.models import AcknowledgementCampaign
from tests.factories import PolicyFactory
from tests.policies.test_campaign_admin import LIST, form, hr_client  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_only_published_policies_are_offered_and_accepted(hr_client, directory, caller):
    draft = PolicyFactory(name="Draft rules")
    retired = PolicyFactory(name="Old rules", published=True)
    retired.status = "retired"
    retired.save(update_fields=["status"])
    offered = hr_client.get("/admin/autocomplete/", {"app_label": "policies", "model_name": "acknowledgementcampaign",
                                                     "field_name": "policy", "term": ""}).json()["results"]
    assert {o["id"] for o in offered} == {directory.policy.pk}
    for policy in (draft, retired):
        refused = hr_client.post(f"{LIST}add/", form(directory, policy=policy.pk))
        assert refused.status_code == 200 and "policy" in refused.context["adminform"].form.errors
    api = caller("acme", "per_eve", ("hr",))
    response = api.post("/api/v1/policies/acknowledgement-campaigns", {"policy": draft.pk, "due_at": "2030-01-01T00:00:00Z"},
                        format="json")
    assert response.status_code == 400, response.content
    assert not AcknowledgementCampaign.objects.exists()
