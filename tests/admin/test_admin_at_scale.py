"""Every tenant ModelAdmin's changelist (plain, filtered by state, searched) costs the same number of
queries at 3 rows as at 30, and none is a COUNT or DISTINCT over the model's table: the cheap
in-suite guard of `make bench`'s admin table (tests/bench/admin_pages.py), from the admin registry."""
import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import UniqueConstraint
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


def test_a_relation_filter_offers_the_tenants_rows_the_latest_rows_name_without_a_distinct(client, db, monkeypatch):
    """A relation's filter offers the related rows of the user's tenant that the list's latest rows name
    (`sample` of them), and the chosen one: at a million entitlements it listed every access system of the
    tenant on the page (67 s). A related row no listed row names would filter to an empty list."""
    from django.urls import reverse

    from apps.core.admin_scale import TenantRelatedFilter
    from tests.factories import AccessSystemFactory, EntitlementFactory

    older = EntitlementFactory(tenant_id=TENANT).system
    named = EntitlementFactory(tenant_id=TENANT).system
    unnamed = AccessSystemFactory(tenant_id=TENANT)
    theirs = EntitlementFactory(tenant_id="globex").system
    staff = StaffMembershipFactory(tenant_id=TENANT, roles=["it"])
    client.force_login(staff.user)

    def offered(query: str = "") -> set[str]:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("admin:integration_entitlement_changelist") + query)
        assert page.status_code == 200
        assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
        spec = next((s for s in page.context["cl"].filter_specs if getattr(s, "field_path", "") == "system"), None)
        assert spec is not None, (query, [type(s).__name__ for s in page.context["cl"].filter_specs], page.context["cl"].get_filters_params())
        return {pk for pk, _label in spec.lookup_choices}

    assert offered() == {older.pk, named.pk}
    assert offered(f"?system__id__exact={theirs.pk}") == {older.pk, named.pk}  # never another tenant's
    monkeypatch.setattr(TenantRelatedFilter, "sample", 1)
    choices = offered(f"?system__id__exact={unnamed.pk}")
    assert unnamed.pk in choices and len(choices & {older.pk, named.pk}) == 1  # the chosen, and the latest row's


# Lists whose order no index can serve, and why that is accepted.
UNINDEXED_ORDER: dict[str, str] = {}


def _field_name(model, name: str) -> str:
    """`system_id` (a column the order names) as the index names it, `system`; `-` kept; a related
    row's field (`system__name`, a join) as it is: no index of the model's holds it."""
    desc, bare = name.startswith("-"), name.lstrip("-")
    if "__" not in bare:
        bare = "id" if bare == "pk" else model._meta.get_field(bare).name
    return f"-{bare}" if desc else bare


def _served_by_an_index(model, ordering: list[str]) -> bool:
    fields = [_field_name(model, name) for name in ordering]
    if fields in (["id"], ["-id"]):  # the primary key's own index
        return True
    if any(list(index.fields) == ["tenant_id", *fields] for index in model._meta.indexes):
        return True
    # a unique (tenant, …) key: Django's pk tie-break then sorts groups of one row (an incremental sort)
    unique = [list(c.fields) for c in model._meta.constraints if isinstance(c, UniqueConstraint)]
    return fields[-1:] in (["id"], ["-id"]) and ["tenant_id", *fields[:-1]] in unique


@pytest.mark.parametrize("model_admin", ADMINS, ids=[a.model._meta.label for a in ADMINS])
def test_each_list_order_is_served_by_an_index_led_by_the_tenant(model_admin, rf, db):
    """The order a changelist opens in (its ordering with Django's tie-break) is an index's, tenant first:
    without one, every page sorts the tenant's rows (1.1 s for offboarding items at a million)."""
    label = model_admin.model._meta.label
    request = rf.get("/")
    request.user = StaffMembershipFactory(tenant_id=TENANT, roles=["admin"]).user
    changelist = model_admin.get_changelist_instance(request)
    ordering = list(dict.fromkeys(str(name) for name in changelist.queryset.query.order_by))  # the SQL's ORDER BY
    if label in UNINDEXED_ORDER:
        assert not _served_by_an_index(model_admin.model, ordering), f"{label} is served now: drop it from the list"
        return
    assert _served_by_an_index(model_admin.model, ordering), (
        f"{label} opens ordered by {ordering}: add models.Index(fields=['tenant_id', *{ordering}], "
        "condition=Q(is_deleted=False)) to its Meta.indexes")
