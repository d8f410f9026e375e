"""Every search a staff member or an integrator can run is served by an index on PostgreSQL. Each column
the admin's `?q=` or the API's `?search=` compares (tests/scale/searched_columns.py, read from the URL
patterns) is either a fragment in a trigram index on `upper(col::text)` or an id compared whole
(`"approver_id__exact"`) on a btree led by it, or by the tenant and then it. A search whose rare term
found no such index would read every row of the tenant to find none. What is left unserved on purpose is
named in UNSERVED, with the reason."""
import pytest

from tests.conftest import postgres_only

from .index_catalog import indexes
from .searched_columns import Searched, searches

pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db]

# {(table, column, lookup): why no index serves that search}; empty: every search is served
UNSERVED: dict[tuple[str, str, str], str] = {}


def _unserved(found: list[Searched]) -> dict[tuple[str, str, str], list[Searched]]:
    catalog = indexes()
    missing: dict[tuple[str, str, str], list[Searched]] = {}
    for s in found:
        if not any(index.serves(s.column, s.lookup) for index in catalog.get(s.table, ())):
            missing.setdefault((s.table, s.column, s.lookup), []).append(s)
    return missing


def test_every_searched_column_is_served_by_an_index():
    missing = _unserved(searches())
    unexplained = {key: sorted({s.by for s in found}) for key, found in missing.items() if key not in UNSERVED}
    assert not unexplained, "\n".join(f"{t}.{c} ({lookup}): {by}" for (t, c, lookup), by in sorted(unexplained.items()))


def test_the_allowed_exceptions_are_still_searched_and_still_unserved():
    missing = _unserved(searches())
    stale = [key for key in UNSERVED if key not in missing]
    assert not stale, f"served or no longer searched; drop them from UNSERVED: {stale}"


def test_the_searches_are_read_from_the_admin_and_the_api():
    """What the check above sees: both registries, relations on the related table, ids compared whole,
    and the people a TenantAdmin's search names."""
    found = {(s.table, s.column, s.lookup, s.by) for s in searches()}
    assert ("helpdesk_ticket", "title", "icontains", "api TicketViewSet") in found
    assert ("helpdesk_ticket", "title", "icontains", "admin TicketAdmin") in found
    assert ("approvals_approvalrequest", "title", "icontains", "admin ApprovalStepAdmin") in found
    assert ("approvals_approvalstep", "approver_id", "exact", "admin ApprovalStepAdmin") in found
    assert ("core_person", "display_name", "icontains", "admin ApprovalStepAdmin, the people named") in found
    assert ("approvals_approvalstep", "approver_id", "in", "admin ApprovalStepAdmin, the people named") in found
