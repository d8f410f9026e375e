"""A read-only JSON field on a change page reads as words, for every admin: a list as its items (a known
value by its label) separated by commas, a map as `name: value` lines, an empty one as "—", never `[]`."""
import re

import pytest
from django.urls import reverse

from apps.core.admin_values import as_words
from tests.factories import StaffMembershipFactory
from tests.factories.policies import PolicyFactory

pytestmark = pytest.mark.django_db


def test_values_as_words():
    assert as_words([]) == as_words({}) == as_words(None) == "—"
    assert as_words(["vpn", "remote"]) == "vpn, remote"
    assert as_words(["incident"], {"incident": "Incident"}) == "Incident"
    assert as_words({"timeout": 5, "base_url": "https://x.invalid"}) == "timeout: 5\nbase_url: https://x.invalid"


def readonly_text(html: str, label: str) -> str:
    """The text of the read-only box under `label`."""
    after = html.split(f">{label}</label>", 1)[1]
    box = after.split('<div class="readonly', 1)[1].split(">", 1)[1]
    return box.split("</div>", 1)[0].strip()


def test_a_role_that_may_only_view_reads_lists_as_words(client):
    policy = PolicyFactory(tenant_id="acme", tags=["vpn", "remote"], applies_to=[], published=True)
    membership = StaffMembershipFactory(tenant__id="acme", tenant__name="Acme", user__username="acme-approver-x",
                                        roles=["approver"])
    client.force_login(membership.user)
    page = client.get(reverse("admin:policies_policy_change", args=[policy.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="tags"' not in html  # the approver may only view a policy
    assert readonly_text(html, "Tags") == "vpn, remote"
    assert readonly_text(html, "Applies to") == "—"
    assert not re.search(r'<div class="readonly[^"]*"[^>]*>\s*(\[|\{|<div class="block dark:hidden">)', html)


def test_a_read_only_list_of_group_ids_reads_as_the_groups_names():
    from apps.core.admin_values import words_column
    from apps.integration.catalog_models import Entitlement
    from tests.factories import GroupFactory

    finance = GroupFactory(tenant_id="acme", display_name="Finance")
    shown = words_column(Entitlement, "auto_approve_group_ids")(
        Entitlement(tenant_id="acme", auto_approve_group_ids=[finance.pk]))
    assert shown == "Finance (group)" and finance.pk not in shown
