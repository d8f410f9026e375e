"""Real mail over SMTP: who hears what, what the message holds, and that nothing goes twice."""
import pytest
from django.db import transaction

from apps.operations.actions import access_request_provision
from apps.approvals.choices import StepStatus
from apps.approvals.services import (
    approval_step_approve,
    approval_step_delegate,
    remind_due,
)
from apps.core.principal import Principal
from apps.notifications.choices import NotificationStatus
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification
from apps.operations.services import access_request_create
from tests.factories import ApprovalChainFactory
from tests.notifications.conftest import MEMBER, path_of, step_of

pytestmark = pytest.mark.django_db
ANN = Principal(person_id="per_ann", tenant_id="acme", roles=frozenset({"approver"}))


def test_the_approver_gets_a_mail_naming_the_tenant_with_both_parts_and_working_links(smtp, access, client):
    counts = run_pass()
    assert counts["sent"] == 1
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["ann@acme.test"]
    assert mail.subject.startswith("[Acme Corp] Approval needed: Access request")
    plain, html = mail.part("plain"), mail.part("html")
    assert "step 1 of 2" in plain and "&quot;" not in plain  # plain text is not HTML-escaped
    assert "<strong>Acme Corp</strong>" in html and "Approve or reject" in html
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [unsubscribe] = mail.links("unsubscribe")
    assert mail.message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"  # folded: long
    [decide] = mail.links("decide")
    row = Notification.objects.get()
    assert (row.status, row.recipient_id, row.kind, row.message_id) == (
        NotificationStatus.SENT, "per_ann", "approval_requested", mail.message["Message-ID"])
    assert "approver of step 1" in row.reason

    page = client.get(path_of(decide))
    assert page.status_code == 200 and b"Approve" in page.content and b"Reject" in page.content
    assert step_of(access).status == StepStatus.PENDING  # a GET (a mail scanner's prefetch) decides nothing

    done = client.post(path_of(decide), {"decision": "approve", "comment": "fine"})
    assert done.status_code == 200 and b"You approved this step" in done.content
    assert step_of(access).status == StepStatus.APPROVED and step_of(access).comment == "fine"
    assert step_of(access, 1).status == StepStatus.PENDING

    run_pass()  # the boss's step is now theirs
    assert [m.rcpt_tos for m in smtp.messages] == [["ann@acme.test"], ["boss@acme.test"]]
    again = client.get(path_of(decide))
    assert again.status_code == 410 and b"already used" in again.content


def test_rejecting_by_link_tells_the_requester(smtp, access, client):
    run_pass()
    [decide] = smtp.messages[0].links("decide")
    unexplained = client.post(path_of(decide), {"decision": "reject", "comment": "  "})
    assert unexplained.status_code == 400 and b"needs a reason" in unexplained.content  # the form again, nothing done
    access.refresh_from_db()
    assert access.status == "pending"
    assert client.post(path_of(decide), {"decision": "reject", "comment": "Use the shared account"}).status_code == 200
    access.refresh_from_db()
    assert (access.status, access.rejection_reason) == ("rejected", "Use the shared account")
    run_pass()
    [mail] = smtp.to("member@acme.test")
    assert mail.subject == f"[Acme Corp] Your access request was rejected: {access}"
    assert Notification.objects.filter(recipient_id="per_member").count() == 1  # not also the approval's outcome


def test_a_pass_run_twice_sends_nothing_twice(smtp, access):
    run_pass()
    assert run_pass() == {"notified": 0, "sent": 0, "retrying": 0, "failed": 0}
    assert len(smtp.messages) == 1


def test_a_rolled_back_change_sends_nothing(smtp, team):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_ann"])
    with pytest.raises(RuntimeError), transaction.atomic():
        access_request_create(actor=MEMBER, data={"requester_id": "per_member", "system_id": "github",
                                                  "access_type": "new", "justification": "x"})
        raise RuntimeError("the caller's transaction fails after the change")
    assert run_pass()["notified"] == 0
    assert smtp.messages == [] and not Notification.objects.exists()


def test_delegation_and_reminders_reach_the_one_who_decides(smtp, access):
    from datetime import timedelta

    from django.utils import timezone

    run_pass()
    approval_step_delegate(actor=ANN, approval_step=step_of(access), delegated_to_id="per_sam")
    run_pass()
    [delegated] = smtp.to("sam@acme.test")
    assert "Delegated to you" in delegated.subject and delegated.links("decide")
    request = step_of(access).approval_request
    type(request).objects.filter(pk=request.pk).update(due_at=timezone.now() + timedelta(hours=1))
    remind_due(within=timedelta(hours=4))
    run_pass()
    assert [m.subject.split(":")[0] for m in smtp.to("sam@acme.test")] == ["[Acme Corp] Delegated to you",
                                                                           "[Acme Corp] Reminder"]
    assert len(smtp.to("ann@acme.test")) == 1


def test_requesters_hear_of_provisioning(smtp, access):
    from apps.core import services as core

    step = step_of(access)
    approval_step_approve(actor=ANN, approval_step=step)
    boss = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
    approval_step_approve(actor=boss, approval_step=step_of(access, 1))
    access.refresh_from_db()
    access_request_provision(actor=Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"it"})),
                             access_request=access)
    run_pass()
    subjects = [m.subject for m in smtp.to("member@acme.test")]
    assert subjects == [f"[Acme Corp] Your access request was approved: {access}",
                        f"[Acme Corp] Your access request was provisioned: {access}"]


def test_a_person_without_an_address_is_recorded_not_mailed(smtp, team):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_noemail"])
    access_request_create(actor=MEMBER, data={"requester_id": "per_member", "system_id": "x", "access_type": "new",
                                              "justification": "x"})
    run_pass()
    row = Notification.objects.get()
    assert row.status == NotificationStatus.SKIPPED and "no email address" in row.last_error
    assert smtp.messages == []


def test_a_refusing_server_is_retried_with_backoff_and_a_permanent_refusal_gives_up(smtp, access, settings):
    from django.utils import timezone

    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    smtp.on_data = lambda envelope: "451 4.3.0 try again later"
    assert run_pass()["retrying"] == 1
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING and row.attempts == 1 and "451" in row.last_error
    assert 40 < (row.next_attempt_at - timezone.now()).total_seconds() < 80
    assert run_pass()["sent"] == 0  # not due yet
    Notification.objects.update(next_attempt_at=timezone.now())
    smtp.on_data = None
    assert run_pass()["sent"] == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.attempts == 2 and len(smtp.messages) == 1

    approval_step_approve(actor=ANN, approval_step=step_of(access))
    smtp.on_data = lambda envelope: "550 5.1.1 no such mailbox"
    assert run_pass()["failed"] == 1
    assert Notification.objects.get(recipient_id="per_boss").status == NotificationStatus.FAILED
