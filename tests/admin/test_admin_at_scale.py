"""Every tenant ModelAdmin's changelist (plain, filtered by state, searched) costs the same number of
queries at 3 rows as at 30, and none is a COUNT or DISTINCT over the model's table: the cheap
in-suite guard of `make bench`'s admin table (tests/bench/admin_pages.py), from the admin registry."""
import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.fsm import state_field
from tests.bench.admin_data import is_per_tenant
from tests.bench.admin_pages import pages_of, sql_flags, tenant_admins
from tests.factories import FACTORIES, StaffMembershipFactory

TENANT = "acme"
ADMINS = [a for a in tenant_admins(admin.site) if not is_per_tenant(a.model)]


def changelists(model_admin, template) -> list[tuple[str, str]]:
    return [(page, url) for page, url in pages_of(model_admin, (template.pk, "", 0)) if page != "change"]


def queries_of(client, url, table) -> tuple[int, list[str]]:
    client.get(url)  # warm: what a first request caches is not what this counts
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [f for f in sql_flags(ctx.captured_queries, table) if "*" in f]


@pytest.mark.parametrize("model_admin", ADMINS, ids=[a.model._meta.label for a in ADMINS])
def test_changelists_do_not_grow_with_the_table(model_admin, client, db):
    model = model_admin.model
    staff = StaffMembershipFactory(tenant_id=TENANT, roles=["admin"])
    client.force_login(staff.user)
    factory = FACTORIES[model]
    rows = [factory(tenant_id=TENANT) for _ in range(3)]
    pages = changelists(model_admin, rows[0])
    assert pages and (state_field(model) is None or len(pages) >= 2)
    few = {page: queries_of(client, url, model._meta.db_table) for page, url in pages}
    for _ in range(27):
        factory(tenant_id=TENANT)
    many = {page: queries_of(client, url, model._meta.db_table) for page, url in pages}
    for page, (count, flags) in many.items():
        assert not flags and not few[page][1], f"{model._meta.label} {page}: {flags or few[page][1]}"
        assert count == few[page][0], f"{model._meta.label} {page}: {few[page][0]} queries at 3 rows, {count} at 30"


def test_the_date_hierarchy_offers_every_month_between_the_first_and_the_last_row(db):
    from datetime import UTC, datetime

    from apps.core.admin_scale import with_date_ranges
    from apps.helpdesk.models import Ticket
    from tests.factories import TicketFactory

    for day in (datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC)):
        Ticket.objects.filter(pk=TicketFactory(tenant_id=TENANT).pk).update(created_at=day)
    ranges = with_date_ranges(Ticket.objects.filter(tenant_id=TENANT))
    with CaptureQueriesContext(connection) as ctx:
        months = ranges.datetimes("created_at", "month")
    assert [(m.year, m.month) for m in months] == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert [y.year for y in ranges.datetimes("created_at", "year")] == [2025, 2026]
    assert len(ctx.captured_queries) == 1 and "DISTINCT" not in ctx.captured_queries[0]["sql"]


def test_a_relation_filter_offers_the_tenants_rows_without_a_distinct_over_the_list(client, db):
    from django.urls import reverse

    from tests.factories import AccessSystemFactory, EntitlementFactory

    named = EntitlementFactory(tenant_id=TENANT).system
    unnamed = AccessSystemFactory(tenant_id=TENANT)  # the user may pick it in a form: the filter offers it too
    theirs = EntitlementFactory(tenant_id="globex").system
    staff = StaffMembershipFactory(tenant_id=TENANT, roles=["it"])
    client.force_login(staff.user)

    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("admin:integration_entitlement_changelist"))

    assert page.status_code == 200
    spec = next(s for s in page.context["cl"].filter_specs if getattr(s, "field_path", "") == "system")
    offered = {pk for pk, _label in spec.lookup_choices}
    assert {named.pk, unnamed.pk} <= offered and theirs.pk not in offered
    assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
