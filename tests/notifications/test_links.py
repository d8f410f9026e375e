"""One-click decision links: the API's rules hold, and a refused, used, expired or altered link
changes nothing and says why (never a 500)."""
import pytest

from apps.approvals.choices import StepStatus
from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_step_approve, approval_step_delegate
from apps.core.models import Event, StaffMembership
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.notifications.links import DecisionLink, decision_url
from apps.notifications.models import UsedLink
from tests.notifications.conftest import path_of, step_of

pytestmark = pytest.mark.django_db
ANN = Principal(person_id="per_ann", tenant_id="acme", roles=frozenset({"approver"}))


@pytest.fixture
def decide(smtp, access):
    run_pass()
    [url] = smtp.messages[0].links("decide")
    return path_of(url)


def snapshot(access):
    step = step_of(access)
    access.refresh_from_db()
    return (access.status, step.status, step.approval_request.status, Event.objects.count(), UsedLink.objects.count())


def test_the_page_shows_the_request_and_has_no_inline_script(client, decide, access):
    page = client.get(decide)
    body = page.content.decode()
    assert page.status_code == 200 and "Access request" in body and "step 1 of 2" in body and "Acme Corp" in body
    assert "<script" not in body and "style=" not in body
    script_src = page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert 'name="csrfmiddlewaretoken"' in body  # the decision POST is CSRF-protected; no login needed


def test_a_step_decided_elsewhere_is_refused_and_nothing_changes(client, decide, access):
    approval_step_approve(actor=ANN, approval_step=step_of(access))  # decided in the API or the admin meanwhile
    before = snapshot(access)
    page = client.post(decide, {"decision": "reject"})
    assert page.status_code == 409 and b"Already decided" in page.content
    assert snapshot(access) == before


def test_someone_no_longer_the_approver_is_refused(client, decide, access):
    approval_step_delegate(actor=ANN, approval_step=step_of(access), delegated_to_id="per_sam")
    page = client.get(decide)
    assert b"no longer yours" in page.content and b'value="approve"' not in page.content
    before = snapshot(access)
    page = client.post(decide, {"decision": "approve"})
    assert page.status_code == 403 and b"Only this step&#x27;s approver" in page.content
    assert snapshot(access) == before and step_of(access).status == StepStatus.DELEGATED


def test_segregation_of_duties_holds_for_links(client, access):
    """The requester holding a link to their own request's step (say the chain was edited under it) is refused."""
    step = step_of(access)
    ApprovalStep.objects.filter(pk=step.pk).update(approver_id="per_member")
    StaffMembership.objects.filter(person_id="per_member").update(roles=["approver"])
    url = decision_url(DecisionLink(tenant_id="acme", person_id="per_member", step_id=step.pk, token_id="ntf_forged"))
    before = snapshot(access)
    page = client.post(path_of(url), {"decision": "approve"})
    assert page.status_code == 403 and b"Segregation of duties" in page.content
    assert snapshot(access) == before


def test_an_approver_without_the_role_the_record_needs_is_refused(client, decide, access):
    StaffMembership.objects.filter(person_id="per_ann").update(roles=[])
    before = snapshot(access)
    page = client.post(decide, {"decision": "approve"})
    assert page.status_code == 403 and b"You may not decide this access request" in page.content
    assert snapshot(access) == before


def test_expired_altered_and_other_tenant_links_say_so(client, decide, access, settings):
    assert client.post(decide[:-3] + "abc", {"decision": "approve"}).status_code == 404
    settings.NOTIFY_DECISION_LINK_MAX_AGE = -1
    page = client.get(decide)
    assert page.status_code == 410 and b"This link has expired" in page.content
    settings.NOTIFY_DECISION_LINK_MAX_AGE = 3600
    other = decision_url(DecisionLink(tenant_id="globex", person_id="per_ann", step_id=step_of(access).pk, token_id="x"))
    assert client.get(path_of(other)).status_code == 404  # the step is not globex's
    assert step_of(access).status == StepStatus.PENDING


def test_a_link_decides_once_and_a_bad_choice_is_a_400(client, decide, access):
    assert client.post(decide, {"decision": "maybe"}).status_code == 400
    assert client.post(decide, {"decision": "approve"}).status_code == 200
    used = UsedLink.objects.get()
    assert (used.person_id, used.action, used.target_id) == ("per_ann", "approve", step_of(access).pk)
    page = client.post(decide, {"decision": "reject"})
    assert page.status_code == 410 and b"already used" in page.content
    assert step_of(access).status == StepStatus.APPROVED
