"""A group step in a real browser: a member of the team (no approver role) finds it on the dashboard
and in "waiting for me", and decides it; the requester, also in the team, is not offered it."""
import pytest

from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit
from apps.core.models import StaffMembership, Tenant
from apps.core.principal import Principal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_group_member_decides_a_group_step_from_the_inbox(page, login, seeded, artifacts):
    hr = Principal(person_id="per_acme_hr", tenant_id="acme", roles=frozenset({"hr"}))
    request = approval_request_create(actor=hr, data={"title": "Design tool licences",
                                                       "approver_ids": ["grp_acme_engineering"]})
    approval_request_submit(actor=hr, approval_request=request)
    step = ApprovalStep.objects.get(approval_request=request)

    # seed_demo gives Max (per_acme_member) a portal login, acme-employee, with a membership without
    # roles (a person has one membership per tenant): let that user into the admin too.
    max_ = StaffMembership.objects.get(tenant=Tenant.objects.get(pk="acme"), person_id="per_acme_member").user
    assert max_.username == "acme-employee"
    max_.is_staff = True
    max_.save(update_fields=["is_staff"])
    login("acme-employee")  # Max Mustermann, of Engineering, with no approver role
    mine = page.get_by_test_id("my-approvals")
    assert "Design tool licences — step 1 of 1" in mine.inner_text()
    with page.expect_navigation():
        page.get_by_test_id("dashboard").get_by_role("link", name="My approvals", exact=True).click()
    rows = page.locator("#result_list tbody tr")
    assert "Design tool licences" in rows.all_inner_texts()[0] and "Any member of Engineering" in page.content()
    with page.expect_navigation():
        page.get_by_role("link", name="Design tool licences").first.click()
    buttons = page.get_by_test_id("fsm-transitions")
    buttons.get_by_label("Comment for Approve").fill("Engineering agrees")
    page.screenshot(path=str(artifacts / "approvals-group-step.png"), full_page=True)
    with page.expect_navigation():
        buttons.get_by_role("button", name="Approve").click()
    step.refresh_from_db()
    request.refresh_from_db()
    assert (step.status, step.approver_id, step.approver_group_id) == ("approved", "per_acme_member",
                                                                        "grp_acme_engineering")
    assert request.status == "approved"
    page.goto("/admin/")
    assert "My pending approvals (0)" in page.get_by_test_id("my-approvals").inner_text()
    page.screenshot(path=str(artifacts / "approvals-group-step-decided.png"), full_page=True)
