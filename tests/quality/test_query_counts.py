"""Query-count baselines of pages that are not API resources (the API resources' are checked by
QueryCountTests in each resource's test module, tests/resource_tests.py); the same file,
`query_counts.json`, holds both."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.resource_tests import check_query_count

pytestmark = pytest.mark.django_db


@pytest.mark.query_counts
def test_offboarding_case_page_costs_the_same_at_3_and_30_items(client):
    """The case page labels the people of all its items (who did each) in one lookup, not one per row."""
    from django.urls import reverse

    from tests.factories import OffboardingCaseFactory, OffboardingItemFactory, PersonFactory, StaffMembershipFactory

    staff = StaffMembershipFactory(tenant_id="acme", roles=["it"])
    client.force_login(staff.user)
    case = OffboardingCaseFactory(tenant_id="acme")
    url = reverse("admin:lifecycle_offboardingcase_change", args=[case.pk])

    def add_items(n: int) -> None:
        for _ in range(n):
            doer = PersonFactory(tenant_id="acme")
            OffboardingItemFactory(tenant_id="acme", case=case, status="done", done_by=doer.pk)

    def page_queries() -> int:
        client.get(url)  # warm: what a first request caches is not what this counts
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])

    add_items(3)
    few = page_queries()
    add_items(27)
    many = page_queries()
    last = case.items.order_by("-created_at", "-id").first()
    assert PersonFactory._meta.model.objects.get(pk=last.done_by).display_name in client.get(url).content.decode()
    assert few == many, f"{few} queries at 3 items, {many} at 30"
    check_query_count("ADMIN /admin/lifecycle/offboardingcase/{pk}/change/", many)
