"""Searching the people's and the access requests' lists as the tenant's admin, at desk (1440 px) and phone
(390 px) width: an id is found whole (pasted from a link or a log), never by a fragment; a name is found by
a fragment; and a request is found by the name of the person it names as its approver. Screenshots land in
artifacts/."""
import pytest
from django.urls import reverse

from tests.factories.approvals import ApprovalRequestFactory
from tests.factories.directory import PersonFactory
from tests.factories.letters import LetterFactory
from tests.factories.operations import AccessRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {"desk": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}


def listed(page) -> str:
    return page.locator("#result_list").inner_text() if page.locator("#result_list").count() else ""


def test_ids_are_found_whole_and_names_by_a_fragment(page, login, seeded, artifacts):
    zora = PersonFactory(tenant_id="acme", given_name="Zora", family_name="Quillfeather")
    other = PersonFactory(tenant_id="acme", given_name="Ida", family_name="Brandt")
    approved_by_zora = AccessRequestFactory(tenant_id="acme", requester_id=other.pk, approver_id=zora.pk)
    people = reverse("admin:directory_person_changelist")
    requests = reverse("admin:operations_accessrequest_changelist")
    login("acme-admin")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(people + f"?q={zora.pk}")
        page.screenshot(path=str(artifacts / f"whole-id-{width}-person-by-id.png"), full_page=True)
        assert "Zora Quillfeather" in listed(page) and "Ida Brandt" not in listed(page)
        page.goto(people + f"?q={zora.pk[:-2]}")  # a fragment of an id finds nothing
        assert "Zora Quillfeather" not in listed(page)
        page.goto(people + "?q=quillfeath")  # a fragment of a name still does
        assert "Zora Quillfeather" in listed(page)
        page.goto(requests + "?q=Quillfeather")  # the request that names her as its approver
        page.screenshot(path=str(artifacts / f"whole-id-{width}-request-by-approver.png"), full_page=True)
        assert "Ida Brandt" in listed(page) and listed(page).count("Pending") == 1
        page.goto(requests + f"?q={approved_by_zora.pk}")
        assert listed(page) and "Ida Brandt" in listed(page)
        page.goto(requests + f"?q={approved_by_zora.pk[:-2]}")
        assert "Ida Brandt" not in listed(page)


def test_approval_requests_and_letters_are_found_by_their_requesters_whole_id(page, login, seeded, artifacts):
    asker = PersonFactory(tenant_id="acme", given_name="Odile", family_name="Marchetti")
    approval = ApprovalRequestFactory(tenant_id="acme", requested_by_id=asker.pk, title="Laptop for Odile")
    letter = LetterFactory(tenant_id="acme", hr_request__requester_id=asker.pk)
    login("acme-admin")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for name, url, shown in (("approval-requests", reverse("admin:approvals_approvalrequest_changelist"),
                                  approval.title),
                                 ("letters", reverse("admin:letters_letter_changelist"), "Odile Marchetti")):
            page.goto(url + f"?q={asker.pk}")
            page.screenshot(path=str(artifacts / f"whole-id-{width}-{name}-by-requester.png"), full_page=True)
            assert shown in listed(page), name
            page.goto(url + f"?q={asker.pk[:-2]}")
            assert shown not in listed(page), name
    assert letter.requester_id == asker.pk
