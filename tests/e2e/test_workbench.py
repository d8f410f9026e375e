"""Each staff workflow of the workbench in a real browser, as the seeded demo users.

Approver decides from the inbox, agent works a ticket end to end, HR fulfils a letter, IT
provisions access with an expiry. Screenshots land in artifacts/ (also at phone width).
"""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.approvals.models import ApprovalRequest
from apps.core.principal import Principal
from apps.helpdesk.models import Ticket, TicketComment
from apps.helpdesk.services import ticket_comment_create
from apps.operations.models import AccessRequest, HRRequest, Pending
from apps.operations.services import access_request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def success_messages(page) -> list[str]:
    return [m.inner_text().strip() for m in page.locator("ul li > div[class*='bg-green-100']").all()]


def test_approver_decides_from_the_inbox_and_the_target_record_changes(page, login, seeded, artifacts):
    member = Principal(person_id="per_acme_member", tenant_id="acme", source_type="backend")
    access = access_request_create(actor=member, data={  # the seeded chain opens a 2-step approval for it
        "requester_id": "per_acme_member", "system_id": "datadog", "access_type": "new",
        "entitlement_type": "admin", "justification": "On-call dashboards for the payments team."})
    approval = ApprovalRequest.objects.get(entity_id=access.pk)
    first, second = approval.steps.order_by("step_index")

    login("acme-approver")
    with page.expect_navigation():
        page.get_by_test_id("my-approvals").get_by_role("link", name=approval.title).click()
    assert page.url.endswith(change_url(first))
    panel = page.get_by_test_id("approval-request")
    assert "Step 1 of 2" in page.get_by_test_id("step-of").inner_text()
    target = page.get_by_test_id("approval-target")
    assert "Datadog" in target.inner_text() and "On-call dashboards for the payments team." in target.inner_text()
    assert "per_acme_member" not in target.inner_text() and "Max Mustermann" in target.inner_text()  # by name
    chain = page.get_by_test_id("approval-chain").inner_text()
    assert "Step 1 of 2" in chain and "Step 2 of 2" in chain and "Step 0" not in chain
    assert "Grace Hopper" in chain and "Ada Lovelace" in chain  # directory names, not per_… ids
    buttons = page.get_by_test_id("fsm-transitions")
    buttons.get_by_label("Comment for Approve").fill("Scope is fine")
    page.screenshot(path=str(artifacts / "workbench-approval-step.png"), full_page=True)
    with page.expect_navigation():
        buttons.get_by_role("button", name="Approve").click()
    assert f"{first}: approve done." in success_messages(page)
    # the next step waiting for this approver opens (the seeded "New vendor: Initech")
    assert "New vendor: Initech" in page.get_by_test_id("approval-request").inner_text()
    page.goto(change_url(first))
    assert "Approved" in page.get_by_test_id("approval-chain").locator("[data-step='1']").inner_text()
    assert "(current)" in page.get_by_test_id("approval-chain").locator("[data-step='2']").inner_text()
    access.refresh_from_db()
    assert access.status == "pending"  # one more approver to go

    page.context.clear_cookies()
    login("acme-admin")
    with page.expect_navigation():
        page.get_by_test_id("my-approvals").get_by_role("link", name=approval.title).click()
    assert page.url.endswith(change_url(second))
    with page.expect_navigation():
        page.get_by_test_id("fsm-transitions").get_by_role("button", name="Approve").click()
    access.refresh_from_db()
    approval.refresh_from_db()
    assert (access.status, access.approver_id, approval.status) == ("approved", "per_acme_admin", "approved")
    page.goto(change_url(second))  # the admin's next waiting step opened; back to the decided one
    # the target's admin page, reached from the step page, shows the change
    with page.expect_navigation():
        page.get_by_test_id("approval-target-link").click()
    assert page.url.endswith(change_url(access))
    page.screenshot(path=str(artifacts / "workbench-approval-target.png"), full_page=True)


def test_approver_delegates_through_the_person_picker(page, login, seeded):
    approval = ApprovalRequest.objects.get(tenant_id="acme", title="New vendor: Initech")
    step = approval.steps.get(step_index=0)
    login("acme-approver")
    page.goto(change_url(step))
    picker = page.get_by_label("delegated_to_id for Delegate")
    offered = picker.locator("option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
    assert offered == ["per_acme_admin"]  # approvers and admins of acme, minus me and the requester
    picker.select_option("per_acme_admin")
    with page.expect_navigation():
        page.get_by_test_id("fsm-transitions").get_by_role("button", name="Delegate").click()
    step.refresh_from_db()
    assert (step.status, step.delegated_to_id) == ("delegated", "per_acme_admin")
    assert Pending.objects.filter(source_id=step.pk, assignee_id="per_acme_admin", status="queued").exists()
    page.goto(change_url(step))  # nothing else waits for the approver: the inbox opened
    assert "delegated to Ada Lovelace" in page.get_by_test_id("approval-chain").inner_text()


def test_agent_assigns_replies_holds_and_resolves_a_ticket(page, login, seeded, artifacts):
    ticket = Ticket.objects.get(tenant_id="acme", title="Laptop will not boot after update")
    member = Principal(person_id=ticket.submitted_by_id, tenant_id="acme", source_type="backend")
    ticket_comment_create(actor=member, ticket=ticket, body="Any update?")
    assert (ticket.status, ticket.assigned_to_id, ticket.first_response_at) == ("new", None, None)

    login("acme-agent")
    page.goto(reverse("admin:helpdesk_ticket_changelist") + "?queue=unassigned")
    row = page.locator("#result_list tbody tr", has_text=ticket.title)
    assert row.locator("[data-sla]").get_attribute("data-sla") == "running"
    page.screenshot(path=str(artifacts / "workbench-ticket-list.png"), full_page=True)
    with page.expect_navigation():
        row.get_by_role("link", name=ticket.number).click()

    summary = page.get_by_test_id("ticket-summary")
    assert summary.get_by_test_id("ticket-assignee").inner_text() == "Unassigned"
    assert page.get_by_test_id("ticket-sla").locator("[data-sla]").get_attribute("data-sla") == "running"
    assert "Response:" in page.get_by_test_id("ticket-sla").inner_text()
    assert "Any update?" in page.get_by_test_id("conversation").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("assign-to-me").click()
    assert f"{ticket.number}: assigned to you." in success_messages(page)
    assert page.get_by_test_id("ticket-assignee").inner_text() == "Sam Carter <sam.carter@acme.example>"

    reply = page.get_by_test_id("reply-box")
    reply.get_by_label("Reply", exact=True).fill("Please hold the power button for 30 seconds, then try again.")
    with page.expect_navigation():
        reply.get_by_role("button", name="Send").click()
    reply = page.get_by_test_id("reply-box")
    reply.get_by_label("Reply", exact=True).fill("Probably the BIOS update; ask for the serial if this fails.")
    reply.get_by_test_id("reply-internal").check()
    with page.expect_navigation():
        reply.get_by_role("button", name="Send").click()
    comments = page.get_by_test_id("comment")
    assert comments.count() == 3  # the requester's, the reply, the note: newest last
    assert comments.nth(2).get_attribute("data-internal") == "true"
    assert comments.nth(1).get_by_test_id("comment-author").inner_text() == "Sam Carter <sam.carter@acme.example>"
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.assigned_to_id == "per_acme_agent"
    assert "Resolution:" in page.get_by_test_id("ticket-sla").inner_text()  # the response clock is done
    page.screenshot(path=str(artifacts / "workbench-ticket.png"), full_page=True)

    transitions = page.get_by_test_id("fsm-transitions")
    with page.expect_navigation():
        transitions.get_by_role("button", name="Hold").click()
    assert page.get_by_test_id("ticket-status").inner_text() == "Pending"
    sla = page.get_by_test_id("ticket-sla").locator("[data-sla]")
    assert (sla.get_attribute("data-sla"), sla.inner_text()) == ("paused", "Paused")

    transitions = page.get_by_test_id("fsm-transitions")
    with page.expect_navigation():
        transitions.get_by_role("button", name="Resolve").click()
    assert page.get_by_test_id("ticket-status").inner_text() == "Resolved"
    sla = page.get_by_test_id("ticket-sla").locator("[data-sla]")
    assert sla.get_attribute("data-sla") == "met" and sla.inner_text().startswith("Met")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_state) == ("resolved", "met")
    assert list(TicketComment.objects.filter(ticket=ticket).values_list("author_id", "internal")) == [
        (ticket.submitted_by_id, False), ("per_acme_agent", False), ("per_acme_agent", True)]


def test_the_ticket_pages_at_phone_width(browser, live_server, seeded, artifacts):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("input[name=username]", "acme-agent")
    page.fill("input[name=password]", "demo-pass-123")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(reverse("admin:helpdesk_ticket_changelist"))
    page.screenshot(path=str(artifacts / "workbench-ticket-list-390.png"), full_page=True)
    first = page.locator("#result_list tbody tr").first
    assert first.locator("[data-sla]").count() == 1
    box = first.locator("[data-sla]").bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]  # the SLA is on screen, not scrolled away
    ticket = Ticket.objects.filter(tenant_id="acme", status="open").first()
    page.goto(change_url(ticket))
    summary = page.get_by_test_id("ticket-summary").bounding_box()
    assert summary and summary["width"] <= PHONE["width"]
    reply = page.get_by_test_id("reply-box").bounding_box()
    assert reply and reply["x"] + reply["width"] <= PHONE["width"]
    page.screenshot(path=str(artifacts / "workbench-ticket-390.png"), full_page=True)
    context.close()


def test_hr_fulfils_a_letter(page, login, seeded, artifacts):
    letter = HRRequest.objects.get(tenant_id="acme", type="employment_letter")
    assert letter.status == "pending"
    login("acme-hr")
    page.goto(change_url(letter))
    buttons = page.get_by_test_id("fsm-transitions")
    buttons.get_by_label("deliverable_url for Fulfill").fill("https://files.acme.invalid/letters/employment-42.pdf")
    with page.expect_navigation():
        buttons.get_by_role("button", name="Fulfill").click()
    assert f"{letter}: fulfill done." in success_messages(page)
    letter.refresh_from_db()
    assert (letter.status, letter.deliverable_url) == ("completed", "https://files.acme.invalid/letters/employment-42.pdf")
    assert letter.fulfilled_at is not None
    page.screenshot(path=str(artifacts / "workbench-hr-fulfilled.png"), full_page=True)


def test_it_provisions_access_with_an_expiry(page, login, seeded, artifacts):
    access = AccessRequest.objects.get(tenant_id="acme", system_id="aws")
    assert (access.status, access.expires_at) == ("approved", None)
    expiry = (timezone.now() + timedelta(days=90)).replace(microsecond=0)
    login("acme-it")
    page.goto(change_url(access))
    buttons = page.get_by_test_id("fsm-transitions")
    expiry = expiry.replace(second=0)  # the browser's date/time picker holds minutes
    buttons.get_by_label("expires_at for Provision").fill(timezone.localtime(expiry).strftime("%Y-%m-%dT%H:%M"))
    page.screenshot(path=str(artifacts / "workbench-it-provision.png"), full_page=True)
    with page.expect_navigation():
        buttons.get_by_role("button", name="Provision").click()
    assert f"{access}: provision done." in success_messages(page)
    access.refresh_from_db()
    assert (access.status, access.expires_at, access.granted_by_id) == ("provisioned", expiry, "per_acme_it")
