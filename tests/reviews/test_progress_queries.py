"""The progress page reads the tallies, never the items: the same number of queries at any size, and
on PostgreSQL the tallies are read through their unique index."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.models import Person
from apps.core.principal import Principal
from apps.reviews.actions import review_campaign_launch
from apps.reviews.models import ReviewTally
from apps.reviews.services import progress_rows
from tests.conftest import postgres_only

from . import world

pytestmark = pytest.mark.django_db
OWNER = Principal(person_id="per_owner", tenant_id="acme", roles=frozenset({"it"}))


def campaign_of(n_people: int, prefix: str):
    staff = world.people("acme", n_people, managers=3, prefix=prefix)
    world.grants("acme", staff, world.catalog("acme", per_system=2, name=f"Sys {prefix}"))
    return review_campaign_launch(actor=OWNER, review_campaign=world.campaign("acme", name=f"Review {prefix}",
                                                                              group=None))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_progress_costs_the_same_queries_at_any_size(caller):
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid", display_name="Olive Owner")
    small, large = campaign_of(5, "a"), campaign_of(200, "b")
    assert (small.items_total, large.items_total) == (10, 410)  # the large scope holds the small one's too
    api = caller("acme", "per_owner", ("it",))
    assert queries(api, f"/api/v1/reviews/campaigns/{small.pk}/progress") == \
        queries(api, f"/api/v1/reviews/campaigns/{large.pk}/progress")


@postgres_only
def test_the_tallies_are_read_through_their_index():
    Person.objects.create(tenant_id="acme", id="per_owner", user_name="owner@acme.invalid", display_name="Olive Owner")
    campaign = campaign_of(30, "c")
    qs = ReviewTally.objects.filter(campaign=campaign, dimension=ReviewTally.REVIEWER)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "Index" in plan and "Seq Scan" not in plan
    assert len(progress_rows(campaign, ReviewTally.REVIEWER)) == 3
