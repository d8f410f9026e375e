"""Policies: lifecycle, reviews, versions and per-version acknowledgements."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Event
from apps.policies.models import Policy
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)
from tests.spec import field_names

pytestmark = pytest.mark.django_db
URL = "/api/v1/policies"


class TestPolicyResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                         RenderingTests, StampTests):
    model = Policy


@pytest.fixture
def hr(caller):
    return caller("acme", "per_hr", ("hr",))


@pytest.fixture
def member(caller):
    return caller("acme", "per_member")


def create(client, **extra):
    response = client.post(URL, {"name": "Acceptable use", "category": "security", "body": "# Rules\n\nBe nice.", **extra},
                           format="json")
    assert response.status_code == 201, response.content
    return response.json()


def publish(client, policy, **body):
    response = client.post(f"{URL}/{policy['id']}/complete", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_fields_and_lifecycle(hr):
    policy = create(hr)
    assert field_names("Policy") <= set(policy)
    assert policy["status"] == "draft" and policy["version"] == "1.0.0" and policy["owner_id"] == "per_hr"
    assert hr.post(f"{URL}/{policy['id']}/submit", format="json").json()["status"] == "in_review"
    published = publish(hr, policy)
    assert published["status"] == "published" and published["published_at"]
    next_review = timezone.datetime.fromisoformat(published["next_review_at"])
    assert timedelta(days=364) < next_review - timezone.now() <= timedelta(days=365)
    assert hr.post(f"{URL}/{policy['id']}/submit", format="json").status_code == 409
    assert hr.post(f"{URL}/{policy['id']}/retire", format="json").json()["status"] == "retired"
    response = hr.post(f"{URL}/{policy['id']}/complete", format="json")
    assert response.status_code == 409 and response.json()["allowed_transitions"] == []
    types = list(Event.objects.filter(entity_id=policy["id"]).order_by("id").values_list("type", flat=True))
    assert types == ["policies.policy.created", "policies.policy.submitted", "policies.policy.completed",
                     "policies.policy.retired"]


def test_review_cadence_and_first_publication(hr, settings):
    settings.POLICY_REVIEW_CADENCE_DAYS = 90
    policy = create(hr)
    first = publish(hr, policy)
    assert timedelta(days=89) < timezone.datetime.fromisoformat(first["next_review_at"]) - timezone.now() <= timedelta(days=90)
    chosen = (timezone.now() + timedelta(days=10)).isoformat()
    again = publish(hr, policy, next_review_at=chosen)
    assert again["published_at"] == first["published_at"]
    assert again["next_review_at"][:16] == chosen[:16]
    past = hr.post(f"{URL}/{policy['id']}/complete", {"next_review_at": "2001-01-01T00:00:00Z"}, format="json")
    assert past.status_code == 400 and past.json()["errors"][0]["field"] == "next_review_at"


def test_editing_a_published_body_creates_a_version_needing_review(hr, member):
    policy = publish(hr, create(hr))
    assert member.post(f"{URL}/{policy['id']}/acknowledge", format="json").status_code == 201
    edited = hr.patch(f"{URL}/{policy['id']}", {"body": "# Rules\n\nBe very nice."}, format="json").json()
    assert edited["version"] == "1.1.0" and edited["status"] == "in_review"
    # Metadata edits of a draft do not version.
    assert hr.patch(f"{URL}/{policy['id']}", {"description": "x"}, format="json").json()["version"] == "1.1.0"
    publish(hr, policy)
    versions = hr.get(f"{URL}/{policy['id']}/versions").json()["results"]
    assert [v["version"] for v in versions] == ["1.1.0", "1.0.0"]
    assert versions[1]["body"] == "# Rules\n\nBe nice."
    # A new version asks everyone again.
    assert member.get(f"{URL}/{policy['id']}/acknowledgements").json()["results"][0]["version"] == "1.0.0"
    assert member.post(f"{URL}/{policy['id']}/acknowledge", format="json").status_code == 201
    assert member.post(f"{URL}/{policy['id']}/acknowledge", format="json").status_code == 200  # idempotent
    acks = hr.get(f"{URL}/{policy['id']}/acknowledgements").json()["results"]
    assert sorted(a["version"] for a in acks) == ["1.0.0", "1.1.0"]
    assert Event.objects.filter(entity_id=policy["id"], type="policies.policy.acknowledged").count() == 2


def test_acknowledging_needs_a_published_policy(hr, member):
    policy = create(hr, owner_id="per_member")
    response = member.post(f"{URL}/{policy['id']}/acknowledge", format="json")
    assert response.status_code == 409


def test_visibility_members_read_published_only(hr, member, caller):
    draft = create(hr)
    published = publish(hr, create(hr, name="Published"))
    listed = {p["id"] for p in member.get(URL).json()["results"]}
    assert published["id"] in listed and draft["id"] not in listed
    assert member.get(f"{URL}/{draft['id']}").status_code == 404
    assert member.patch(f"{URL}/{published['id']}", {"name": "mine now"}, format="json").status_code == 403
    others = caller("globex", "per_x", ("admin",))
    for path in ("", "/versions", "/acknowledgements"):
        assert others.get(f"{URL}/{published['id']}{path}").status_code == 404
    assert others.post(f"{URL}/{published['id']}/acknowledge", format="json").status_code == 404
    assert member.get(f"{URL}/{published['id']}/acknowledgements").json()["results"] == []


@pytest.mark.parametrize("body,field", [
    ({"category": "gossip"}, "category"),
    ({"priority": "asap"}, "priority"),
    ({"applies_to": ["incident", "party"]}, "applies_to"),
    ({"first_response_minutes": 0}, "first_response_minutes"),
    ({"first_response_minutes": 90, "resolution_minutes": 30}, "first_response_minutes"),
    ({"name": ""}, "name"),
])
def test_validation(hr, body, field):
    response = hr.post(URL, {"name": "P", **body}, format="json")
    assert response.status_code == 400 and field in {e["field"] for e in response.json()["errors"]}
    assert Policy.all_objects.count() == 0


def test_review_due_command_emits_once_per_cycle(hr):
    policy = publish(hr, create(hr), next_review_at=(timezone.now() + timedelta(days=3)).isoformat())
    publish(hr, create(hr, name="Far"), next_review_at=(timezone.now() + timedelta(days=300)).isoformat())
    out = StringIO()
    call_command("policies_review_due", "--within-days", "7", stdout=out)
    assert "1 policies due" in out.getvalue()
    call_command("policies_review_due", "--within-days", "7", stdout=StringIO())
    assert Event.objects.filter(type="policies.policy.review_due").count() == 1
    publish(hr, policy, next_review_at=(timezone.now() + timedelta(days=2)).isoformat())  # a new cycle
    call_command("policies_review_due", "--within-days", "7", stdout=StringIO())
    assert Event.objects.filter(type="policies.policy.review_due", entity_id=policy["id"]).count() == 2


def test_admin_renders_markdown_without_raw_html():
    from apps.policies.admin import render_markdown

    html = render_markdown("# Title\n\n<script>alert(1)</script> **bold**")
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "alert(1)" not in html  # nh3 drops the element and its content
