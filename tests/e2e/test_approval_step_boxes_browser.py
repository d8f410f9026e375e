"""The approval step page's boxes as the approver uses them, at 1440 and 390 px: each decision has its
own form (a comment to approve, a required reason to reject, a person and a comment to delegate), a
refused decision comes back with what was typed, and axe finds nothing serious."""
import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalRequest
from tests.e2e.accessibility import AXE_MISSING, axe_violations, describe

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def look(page, artifacts, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"step27-{name}-{label}.png"), full_page=True)
        if not AXE_MISSING:
            found = axe_violations(page)
            assert not found, f"{name} at {label}:\n{describe(found)}"
    page.set_viewport_size(SIZES["desktop"])


def test_reject_needs_a_reason_and_a_refused_delegation_keeps_the_comment(page, login, seeded, artifacts):
    approval = ApprovalRequest.objects.get(tenant_id="acme", title="New vendor: Initech")
    step = approval.steps.get(step_index=0)
    login("acme-approver")
    page.goto(reverse("admin:approvals_approvalstep_change", args=[step.pk]))
    boxes = page.get_by_test_id("fsm-transitions")
    assert boxes.get_by_label("Reason for Reject").get_attribute("required") is not None
    assert boxes.get_by_label("Comment for Approve").count() == 1
    look(page, artifacts, "boxes")

    # A browser that does not check `required` (or a page gone stale) posts no delegate: the server says why.
    boxes.get_by_label("delegated_to_id for Delegate").evaluate("el => el.removeAttribute('required')")
    boxes.get_by_label("Comment for Delegate").fill("Please cover while I am away")
    with page.expect_navigation():
        boxes.get_by_role("button", name="Delegate").click()
    step.refresh_from_db()
    assert step.status not in ("delegated",)
    assert boxes.get_by_label("Comment for Delegate").input_value() == "Please cover while I am away"
    assert page.get_by_text("Delegated to: This field is required.").count() >= 1  # named for a person
    look(page, artifacts, "delegate-refused")

    boxes.get_by_label("Reason for Reject").fill("Vendor not vetted by procurement")
    with page.expect_navigation():
        boxes.get_by_role("button", name="Reject").click()
    step.refresh_from_db()
    approval.refresh_from_db()
    assert step.status == "rejected" and step.comment == "Vendor not vetted by procurement"
    assert approval.status == "rejected"
