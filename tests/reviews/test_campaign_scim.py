"""A review campaign of 1,000 grants held for real in a SCIM target (scim2-server on 127.0.0.1):
completed with bulk and single decisions through the API, closed, the revoked memberships removed
by the connector and read back, and signed off with an evidence report matching the target."""
import csv
import io

import pytest

from apps.directory.models import Person
from apps.core.principal import Principal, system_principal
from apps.files.models import Attachment
from apps.files.services import file_storage
from apps.integration.services import connector_create
from apps.reviews.actions import review_campaign_close, review_campaign_launch, review_campaign_sign_off
from apps.reviews.models import ReviewItem, ReviewTally

from . import world

pytestmark = pytest.mark.django_db(transaction=False)
HOLDERS = 250  # x 4 entitlements = 1,000 grants


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def held(scim_target):
    connector = connector_create(actor=system_principal("acme", person_id="per_admin"), data={
        "type": "scim", "provider": "generic_scim", "name": "Chat (SCIM)",
        "config": {"base_url": scim_target.url}, "credentials": {"token": scim_target.token}})
    groups = [scim_target.create_group(f"chat-role-{i}") for i in range(4)]
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid", display_name="Olive Owner")
    staff = world.people("acme", HOLDERS, managers=10)
    user_ids = [scim_target.create_user(person.user_name) for person in staff]
    for group in groups:  # one PATCH per group with every member
        scim_target._call("PATCH", f"/Groups/{group}", json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": u} for u in user_ids]}]})
    ents = world.catalog("acme", connector=connector, groups=groups, per_system=4)
    world.grants("acme", staff, ents)
    return {"groups": groups, "ents": ents, "staff": staff}


def test_a_campaign_of_1000_grants_is_completed_and_the_revoked_are_gone_from_the_target(
        held, scim_target, caller, immediate_tasks, django_capture_on_commit_callbacks):
    owner = Principal(person_id="per_owner", tenant_id="acme", roles=frozenset({"it"}))
    campaign = review_campaign_launch(actor=owner, review_campaign=world.campaign("acme"))
    assert campaign.items_total == 1000

    revoked = set()
    for m in range(10):
        manager = caller("acme", f"per_acme_pboss{m}")
        kept = manager.post(f"/api/v1/reviews/campaigns/{campaign.pk}/keep-low-risk", {"comment": "Team tools"},
                            format="json")
        assert kept.status_code == 200, kept.content
        assert kept.json()["kept"] == 50
        pending = ReviewItem.objects.filter(campaign=campaign, reviewer_id=f"per_acme_pboss{m}", status="pending")
        for n, item in enumerate(pending.order_by("id")):
            decision = "revoke" if n % 10 == 0 else "keep"
            answer = manager.post(f"/api/v1/reviews/items/{item.pk}/{decision}", {"comment": "Reviewed"}, format="json")
            assert answer.status_code == 200, answer.content
            if decision == "revoke":
                revoked.add(item.pk)
    progress = caller("acme", "per_owner", ("it",)).get(f"/api/v1/reviews/campaigns/{campaign.pk}/progress").json()
    assert (progress["pending"], progress["kept"], progress["revoked"]) == (0, 1000 - len(revoked), len(revoked))
    assert all(row["pending"] == 0 for row in progress["reviewers"]) and len(progress["systems"]) == 1

    # nothing left the target before the close (the tenant's default: revokes after the close)
    assert all(len(scim_target.member_names(g)) == HOLDERS for g in held["groups"])
    with django_capture_on_commit_callbacks(execute=True):
        campaign = review_campaign_close(actor=owner, review_campaign=campaign)

    items = ReviewItem.objects.filter(campaign=campaign).select_related("entitlement")
    assert set(items.filter(status="revoked").values_list("pk", flat=True)) == revoked
    assert set(items.filter(status="revoked").values_list("revoke_state", flat=True)) == {"done"}
    gone = {}
    for item in items.filter(status="revoked"):
        gone.setdefault(item.entitlement.target_ref, set()).add(Person.objects.get(pk=item.holder_id).user_name)
    for group in held["groups"]:
        members = scim_target.member_names(group)
        assert not members & gone.get(group, set())
        assert len(members) == HOLDERS - len(gone.get(group, ()))
    campaign.refresh_from_db()
    assert campaign.revokes_done == len(revoked) and campaign.revokes_failed == 0

    campaign = review_campaign_sign_off(actor=owner, review_campaign=campaign)
    assert campaign.status == "signed_off"
    files = {a.filename.rsplit(".", 1)[1]: a for a in Attachment.objects.filter(record_id=campaign.pk)}
    assert set(files) == {"csv", "pdf"}
    with file_storage().open(files["pdf"].storage_name) as fh:
        assert fh.read(5) == b"%PDF-"
    with file_storage().open(files["csv"].storage_name) as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read().decode())))
    assert len(rows) == 1000
    csv_revoked = {r["Item"] for r in rows if r["Decision"] == "Revoked"}
    assert csv_revoked == revoked
    assert all(r["Revoke"].startswith("Removed") for r in rows if r["Item"] in revoked)
    assert ReviewTally.objects.get(campaign=campaign, dimension="system").revoked == len(revoked)
