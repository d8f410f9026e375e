"""E-mails to people without admin access link to the record's portal page (staff keep the admin's),
and following such a link after signing in opens that page."""
import re
from urllib.parse import urlsplit

from django.core.cache import cache

from apps.approvals.models import ApprovalStep
from apps.approvals.services import approval_step_reject
from apps.core.principal import Principal
from apps.notifications.engine import run_pass
from apps.operations.actions import hr_request_fulfill
from apps.operations.models import AccessRequest, HRRequest
from tests.notifications.conftest import smtp  # noqa: F401 (a real SMTP server on loopback)

from .test_flow import ask_access, form_token

OPEN_LINK = re.compile(r"Open it in the (?:self-service portal|back office): (\S+)")


def open_link(message) -> str:
    return OPEN_LINK.search(message.part("plain")).group(1)


def test_non_staff_people_get_portal_links_and_staff_keep_admin_links(client, world, as_user, smtp):  # noqa: F811
    cache.clear()
    world.approver2.is_staff = True
    world.approver2.save()
    as_user(world.employee)
    ask_access(client, world)
    grant = AccessRequest.objects.get()
    run_pass()
    [to_grace] = smtp.to("grace@acme.invalid")
    step1 = ApprovalStep.objects.get(approval_request__entity_id=grant.pk, step_index=0)
    link = open_link(to_grace)
    assert urlsplit(link).path == f"/portal/waiting/{step1.pk}/", link
    as_user(world.approver1)
    assert client.get(urlsplit(link).path).status_code == 200  # the link opens the decision page

    client.post(f"/portal/waiting/{step1.pk}/", {"decision": "approve"})
    run_pass()
    [to_ada] = smtp.to("ada@acme.invalid")
    assert "/admin/" in open_link(to_ada)  # staff: the admin's page

    step2 = ApprovalStep.objects.get(approval_request__entity_id=grant.pk, step_index=1)
    ada = Principal(person_id="per_ap2", tenant_id="acme", roles=frozenset({"approver"}), source_type="backend")
    approval_step_reject(actor=ada, approval_step=step2, comment="Not for contractors")
    run_pass()
    to_max = smtp.to("max@acme.invalid")
    assert to_max, [m.subject for m in smtp.messages]
    last = to_max[-1]
    assert urlsplit(open_link(last)).path == f"/portal/requests/access/{grant.pk}/"
    assert "Not for contractors" in last.part("plain")


def test_the_fulfilled_letter_mail_carries_the_letter(client, world, as_user, smtp):  # noqa: F811
    cache.clear()
    as_user(world.employee)
    client.post("/portal/ask/hr/", {"form_token": form_token(client, "hr"), "type": "employment_letter",
                                    "description": "For the bank", "deliverable_type": "digital"})
    letter = HRRequest.objects.get()
    hr = Principal(person_id="per_it", tenant_id="acme", roles=frozenset({"hr"}), source_type="backend")
    hr_request_fulfill(actor=hr, hr_request=letter, deliverable_url="https://files.acme.invalid/letter.pdf",
                       comment="Signed")
    run_pass()
    [mail] = [m for m in smtp.to("max@acme.invalid") if "fulfilled" in m.subject]
    assert "https://files.acme.invalid/letter.pdf" in mail.part("plain")
    assert urlsplit(open_link(mail)).path == f"/portal/requests/hr/{letter.pk}/"
    page = client.get(f"/portal/requests/hr/{letter.pk}/").content.decode()
    assert "https://files.acme.invalid/letter.pdf" in page and "Ready" in page
