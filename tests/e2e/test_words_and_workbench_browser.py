"""Records and people read as words, and a record says what it waits for, in a real browser as each
seeded staff role at desk (1440 px) and phone (390 px) width. Screenshots land in artifacts/."""
import re

import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalStep
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket
from apps.operations.models import Equipment, HRRequest, Travel
from apps.operations.services import access_request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {"desk": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}
ID = re.compile(r"\b(per|acr|eqp|trv|hrr|tkt|aps|apr)_[0-9A-Za-z_]+")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def visible_words(page) -> str:
    """What a person reads at the top of the page: its title, breadcrumbs and what it waits for."""
    parts = [page.title(), page.locator("#header, header, nav").first.inner_text()]
    waiting = page.get_by_test_id("waiting-for")
    if waiting.count():
        parts.append(waiting.inner_text())
    return "\n".join(parts)


@pytest.fixture
def access(seeded):
    member = Principal(person_id="per_acme_member", tenant_id="acme", source_type="backend")
    return access_request_create(actor=member, data={  # the seeded chain opens a 2-step approval for it
        "requester_id": "per_acme_member", "system_id": "datadog", "access_type": "new",
        "entitlement_type": "admin", "justification": "On-call dashboards for the payments team."})


def pages_of(role: str, access) -> list[tuple[str, str]]:
    acme = {"tenant_id": "acme"}
    laptop = Equipment.objects.get(**acme, status="requested")
    trip = Travel.objects.get(**acme, status="approved")
    return {
        "approver": [("access", change_url(access)), ("steps", reverse("admin:approvals_approvalstep_changelist")
                                                       + "?mine=open")],
        "it": [("access", change_url(access)), ("laptop", change_url(laptop))],
        "hr": [("hr", change_url(HRRequest.objects.filter(**acme, status="pending").first())),
               ("hr-list", reverse("admin:operations_hrrequest_changelist") + "?q=Mustermann")],
        "travel": [("trip", change_url(trip)), ("history", reverse("admin:operations_travel_history", args=[trip.pk]))],
        "agent": [("ticket", change_url(Ticket.objects.filter(**acme).first())),
                  ("tickets", reverse("admin:helpdesk_ticket_changelist"))],
        "admin": [("access", change_url(access)), ("laptop", change_url(laptop))],
    }[role]


@pytest.mark.parametrize("role", ["approver", "it", "hr", "travel", "agent", "admin"])
def test_each_role_reads_words_not_ids(page, login, access, artifacts, role):
    login(f"acme-{role}")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto("/admin/")
        page.screenshot(path=str(artifacts / f"words-{role}-{width}-dashboard.png"), full_page=True)
        for name, url in pages_of(role, access):
            page.goto(url)
            page.screenshot(path=str(artifacts / f"words-{role}-{width}-{name}.png"), full_page=True)
            words = visible_words(page)
            assert not ID.search(words), f"{role} at {width} on {name}: {words}"
    if role == "approver":
        page.set_viewport_size(WIDTHS["desk"])
        inbox = page.get_by_test_id("my-approvals")
        page.goto("/admin/")
        assert "Requested by Max Mustermann" in inbox.inner_text()
        assert "On-call dashboards for the payments team." in inbox.inner_text()
        page.goto(change_url(access))
        assert page.get_by_test_id("waiting-for").inner_text().startswith("Waiting for step 1 of 2 — Grace Hopper")
        with page.expect_navigation():
            page.get_by_test_id("fsm-transitions").get_by_role("button", name="Approve").click()
        step = ApprovalStep.objects.get(approval_request__entity_id=access.pk, step_index=0)
        assert step.status == "approved"  # the record's own button decided its step
    if role == "it":
        page.goto(change_url(access))
        assert page.get_by_test_id("fsm-transitions").count() == 0
        assert "Waiting for step 1 of 2" in page.get_by_test_id("waiting-for").inner_text()
    if role == "travel":
        page.goto(pages_of(role, access)[0][1])
        buttons = page.get_by_test_id("fsm-transitions").inner_text()
        assert "Book" in buttons and "Cancel" in buttons
