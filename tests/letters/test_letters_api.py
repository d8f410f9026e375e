"""HR letters over the API: templates (CRUD, placeholders checked, versions counted), letters generated
from an open HR request (the PDF read back by its text), sent (the request fulfilled, the PDF a file on it)
or discarded; HR only; another tenant's request, template or letter is a 404."""
import pytest

from apps.files.models import Attachment
from apps.letters.models import Letter, LetterTemplate
from apps.operations.models import HRRequest
from tests.factories import HRRequestFactory, LetterTemplateFactory, PersonFactory
from tests.files.conftest import files_root  # noqa: F401  (every test's own file storage)
from tests.letters.test_letters import pdf_text
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)

pytestmark = pytest.mark.django_db
TEMPLATES, LETTERS = "/api/v1/letters/templates", "/api/v1/letters/letters"


class TestLetterTemplateResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                                 StampTests):
    model = LetterTemplate


class TestLetterResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests, StampTests):
    model = Letter


@pytest.fixture
def hr(caller):
    return caller("acme", "per_hr", ("hr",))


@pytest.fixture
def hr_request(db):
    PersonFactory(id="per_member", display_name="Ada Lovelace", given_name="Ada", family_name="Lovelace",
                  user_name="ada", email="ada@acme.test")
    return HRRequestFactory(requester_id="per_member", created_by="per_member", description="For my landlord")


def test_templates_are_written_with_checked_placeholders_and_versions(hr):
    bad = hr.post(TEMPLATES, {"name": "Salary", "body": "You earn {{ person.salary }}."}, format="json")
    assert bad.status_code == 400 and "person.salary" in bad.content.decode()
    assert not LetterTemplate.objects.exists()
    created = hr.post(TEMPLATES, {"name": "Employment", "body": "Dear {{ person.name }}"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["tenant_id"], body["created_by"]) == (1, "acme", "per_hr")
    changed = hr.patch(f"{TEMPLATES}/{body['id']}", {"body": "Dear {{ person.given_name }}", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = hr.patch(f"{TEMPLATES}/{body['id']}", {"body": "x", "version": 1}, format="json")
    assert stale.status_code == 409
    assert LetterTemplate.objects.get().body == "Dear {{ person.given_name }}"


def test_members_and_other_tenants_see_no_templates(caller, hr):
    template = LetterTemplateFactory()
    assert caller("acme", "per_member").get(TEMPLATES).json()["results"] == []
    assert caller("acme", "per_member").post(TEMPLATES, {"name": "x", "body": "y"}, format="json").status_code == 403
    assert caller("globex", "per_hr_b", ("hr",)).get(f"{TEMPLATES}/{template.pk}").status_code == 404


def test_generate_review_and_send(hr, hr_request, caller):
    template = LetterTemplateFactory(name="Employment letter", body="We confirm that {{ person.name }} works here.")
    made = hr.post(LETTERS, {"hr_request_id": hr_request.pk, "template_id": template.pk}, format="json")
    assert made.status_code == 201, made.content
    letter = made.json()
    assert (letter["status"], letter["template_version"], letter["requester_id"], letter["file_url"]) == (
        "draft", 1, "per_member", None)
    assert "pdf" not in letter
    pdf = hr.get(letter["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert "We confirm that Ada Lovelace works here." in pdf_text(pdf.content)

    sent = hr.post(f"{LETTERS}/{letter['id']}/send", {"note": "Here it is."}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent" and sent.json()["file_url"]
    hr_request.refresh_from_db()
    assert hr_request.status == "completed"  # the fulfil transition
    attachment = Attachment.objects.get(record_id=hr_request.pk)
    assert attachment.origin == "letter" and sent.json()["attachment_id"] == attachment.pk
    again = hr.post(f"{LETTERS}/{letter['id']}/send", {}, format="json")
    assert again.status_code == 409 and Attachment.objects.count() == 1
    member_file = caller("acme", "per_member").get(sent.json()["file_url"])  # the requester downloads it
    assert member_file.status_code == 200


def test_discard_and_refusals(hr, hr_request, caller):
    template = LetterTemplateFactory()
    other_tenant_request = HRRequestFactory(tenant_id="globex", requester_id="per_x", created_by="per_x")
    missing = hr.post(LETTERS, {"hr_request_id": other_tenant_request.pk, "template_id": template.pk}, format="json")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/problem+json")
    assert hr.post(LETTERS, {"hr_request_id": hr_request.pk}, format="json").status_code == 400
    assert caller("acme", "per_member").post(
        LETTERS, {"hr_request_id": hr_request.pk, "template_id": template.pk}, format="json").status_code in (403, 404)
    assert not Letter.objects.exists()

    letter = hr.post(LETTERS, {"hr_request_id": hr_request.pk, "template_id": template.pk}, format="json").json()
    assert caller("globex", "per_hr_b", ("hr",)).post(f"{LETTERS}/{letter['id']}/discard").status_code == 404
    discarded = hr.post(f"{LETTERS}/{letter['id']}/discard")
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    assert HRRequest.objects.get(pk=hr_request.pk).status != "completed"
