"""The staff UI in a real browser: dashboard, work queue, transition buttons, tenancy, bulk actions.

Data comes from `seed_demo` and the domain services; the browser talks HTTP to live_server.
"""
import re

import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.core.principal import Principal
from apps.operations.models import AccessRequest, Pending
from apps.operations.services import access_request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


LEVEL_COLOURS = {"green": "success", "orange": "warning", "red": "error", "blue": "info"}


def admin_messages(page) -> list[tuple[str, str]]:
    """The admin's message list as (level, text); unfold colours each line by its level."""
    out = []
    for line in page.locator("ul li > div[class*='bg-']").all():
        colour = re.search(r"\bbg-(green|orange|red|blue)-100\b", line.get_attribute("class") or "")
        out.append((LEVEL_COLOURS[colour.group(1)] if colour else "?", line.inner_text().strip()))
    return out



def only_the_vendor_step_waits_on_the_approver() -> None:
    """seed_demo's access catalog files a critical request of Max's whose first step is his manager's,
    acme-approver's: hand it to acme-admin so the approver's queue holds the one step followed here."""
    vendor = ApprovalRequest.objects.get(tenant_id="acme", title="New vendor: Initech")
    ApprovalStep.objects.filter(tenant_id="acme", approver_id="per_acme_approver", status="pending").exclude(
        approval_request=vendor).update(approver_id="per_acme_admin")


def test_signing_in_at_the_login_page_lands_on_the_dashboard(page, seeded):
    page.goto("/admin/login/")
    page.fill("input[name=username]", "acme-approver")
    page.fill("input[name=password]", "demo-pass-123")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 200 and page.url.endswith("/admin/"), page.url
    page.get_by_test_id("dashboard").wait_for()


def test_approver_approves_from_the_dashboard_work_queue(page, login, seeded, artifacts):
    only_the_vendor_step_waits_on_the_approver()
    request = ApprovalRequest.objects.get(tenant_id="acme", title="New vendor: Initech")
    first = request.steps.get(step_index=0)
    assert (request.status, request.current_step_index, first.status) == ("pending", 0, "pending")

    login("acme-approver")
    assert page.url.endswith("/admin/")
    page.get_by_role("heading", level=1, name="Today in acme").wait_for()  # the page's one <h1>
    dashboard = page.get_by_test_id("dashboard")
    mine = page.get_by_test_id("my-approvals")
    assert "My pending approvals (1)" in mine.inner_text()
    assert "New vendor: Initech — step 1 of 2" in mine.inner_text()
    assert "Laptop upgrade policy" not in mine.inner_text()  # its open step belongs to acme-admin
    page.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)

    # The "My approvals" work queue: the approval steps changelist filtered to "waiting for me".
    with page.expect_navigation():
        dashboard.get_by_role("link", name="My approvals", exact=True).click()
    assert "mine=open" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "New vendor: Initech" in rows.first.inner_text()

    # Open the step from the dashboard's own list of what waits for me (the changelist row link
    # is covered by test_changelist_row_opens_the_change_form).
    page.goto("/admin/")
    with page.expect_navigation():
        page.get_by_test_id("my-approvals").get_by_role("link", name="New vendor: Initech").click()
    assert page.url.endswith(change_url(first))
    buttons = page.get_by_test_id("fsm-transitions")
    labels = buttons.get_by_role("button").all_inner_texts()
    assert sorted(label.strip() for label in labels) == ["Approve", "Delegate", "Reject"]
    buttons.get_by_label("Comment for Approve").fill("Vendor checked: references OK")
    page.screenshot(path=str(artifacts / "admin-change-form.png"), full_page=True)

    with page.expect_navigation():
        buttons.get_by_role("button", name="Approve").click()
    assert page.url.endswith("?mine=open")  # nothing else waits for the approver: the inbox opens
    shown = admin_messages(page)
    assert ("success", f"{first}: approve done.") in shown and ("info", "Nothing else waits for you.") in shown
    page.goto(change_url(first))
    assert page.get_by_test_id("fsm-transitions").count() == 0  # nothing left to decide on this step

    first.refresh_from_db()
    request.refresh_from_db()
    second = request.steps.get(step_index=1)
    assert (first.status, first.decision, first.comment) == ("approved", "approved", "Vendor checked: references OK")
    assert first.history.first().history_user_id == "per_acme_approver"
    assert (request.status, request.current_step_index) == ("pending", 1)
    assert (second.status, second.approver_id) == ("pending", "per_acme_hr")
    queue = Pending.objects.filter(tenant_id="acme", type="approval", source_id__in=[first.id, second.id])
    assert {(p.source_id, p.assignee_id, p.status == "completed") for p in queue} == {
        (first.id, "per_acme_approver", True), (second.id, "per_acme_hr", False)}

    # The page shows it moved on: nothing waits for the approver, the next approver has it.
    page.goto("/admin/")
    assert "My pending approvals (0)" in page.get_by_test_id("my-approvals").inner_text()
    page.context.clear_cookies()
    login("acme-hr")
    mine = page.get_by_test_id("my-approvals").inner_text()
    assert "My pending approvals (1)" in mine and "New vendor: Initech — step 2 of 2" in mine


def test_other_tenants_record_is_404_for_staff(page, login, seeded):
    acme_access = AccessRequest.objects.get(tenant_id="acme", system_id="github")
    acme_step = ApprovalStep.objects.filter(tenant_id="acme").first()
    globex_access = AccessRequest.objects.get(tenant_id="globex", system_id="github")

    login("globex-admin")
    own = page.goto(change_url(globex_access))
    assert own.status == 200 and globex_access.id in page.content()

    for obj in (acme_access, acme_step):
        response = page.goto(change_url(obj))
        assert response.status == 404, (obj, response.status)
        assert obj.id not in page.content()

    # The transition endpoint refuses it the same way, and the record does not move.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    transition = reverse("admin:operations_accessrequest_transition", args=[acme_access.pk, "approve"])
    response = page.request.post(transition, headers={"X-CSRFToken": csrf}, form={"comment": "cross-tenant"},
                                 max_redirects=0)
    assert response.status == 404
    acme_access.refresh_from_db()
    assert acme_access.status == "pending"

    listing = page.goto(reverse("admin:operations_accessrequest_changelist"))
    assert listing.status == 200
    ids = page.locator("#result_list input[name=_selected_action]").evaluate_all("els => els.map(e => e.value)")
    assert globex_access.id in ids and acme_access.id not in ids
    assert all(AccessRequest.objects.get(pk=i).tenant_id == "globex" for i in ids)


def test_bulk_approve_reports_each_row(page, login, seeded):
    approver = Principal(person_id="per_acme_approver", tenant_id="acme", roles=frozenset({"approver"}),
                         source_type="backend")
    member = Principal(person_id="per_acme_member", tenant_id="acme", source_type="backend")
    pending = AccessRequest.objects.get(tenant_id="acme", system_id="github")
    approved = AccessRequest.objects.get(tenant_id="acme", system_id="aws")
    own = access_request_create(actor=approver, data={
        "requester_id": approver.person_id, "system_id": "grafana", "access_type": "new",
        "entitlement_type": "viewer", "justification": "Dashboards for on-call."})
    untouched = access_request_create(actor=member, data={
        "requester_id": member.person_id, "system_id": "notion", "access_type": "new",
        "entitlement_type": "editor", "justification": "Team wiki."})
    assert (pending.status, approved.status, own.status, untouched.status) == ("pending", "approved", "pending", "pending")

    login("acme-approver")
    page.goto(reverse("admin:operations_accessrequest_changelist"))
    for obj in (pending, approved, own):
        page.locator(f"#result_list input[name=_selected_action][value='{obj.id}']").check()
    page.select_option("select[name=action]", "bulk_approve")
    with page.expect_navigation():
        page.get_by_role("button", name="Run").click()

    # One line per selected row (success or warning), then the tally.
    assert sorted(admin_messages(page)) == sorted([
        ("success", f"{pending}: approve done."),
        ("warning", f"{approved}: 'approve' is not allowed from status 'approved'."),
        ("warning", f"{own}: Segregation of duties: you cannot decide a record you created, requested or are "
                    "the principal of (now or earlier)."),
        ("info", "approve: 1 of 3 done."),
    ])

    states = dict(AccessRequest.objects.filter(pk__in=[pending.pk, approved.pk, own.pk, untouched.pk])
                  .values_list("id", "status"))
    assert states == {pending.id: "approved", approved.id: "approved", own.id: "pending", untouched.id: "pending"}
    pending.refresh_from_db()
    assert pending.approver_id == "per_acme_approver" and pending.approved_at is not None


def test_changelist_row_opens_the_change_form(page, login, seeded):
    only_the_vendor_step_waits_on_the_approver()
    step = ApprovalStep.objects.get(tenant_id="acme", approver_id="per_acme_approver", status="pending")
    login("acme-approver")
    page.goto(reverse("admin:approvals_approvalstep_changelist") + "?mine=open")
    link = page.locator("#result_list tbody tr").first.get_by_role("link").first
    href = link.get_attribute("href")
    with page.expect_navigation() as nav:
        link.click()
    assert nav.value.status == 200, (nav.value.status, page.url)
    assert page.get_by_test_id("fsm-transitions").count() == 1 and step.id in page.content()
