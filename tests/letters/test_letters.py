"""HR letters: templates with validated placeholders, a PDF made from the directory and the request
(checked by extracting its text), HR's review and sending: the file on the request, the request
fulfilled, and the requester's e-mail (over real SMTP) linking to the file, not carrying it."""
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from apps.core.exceptions import Conflict, Forbidden
from apps.core.principal import Principal
from apps.core.services import record_create, record_update
from apps.files.models import Attachment
from apps.letters.models import Letter, LetterStatus, LetterTemplate
from apps.letters.services import letter_generate, letter_send
from apps.notifications.engine import run_pass
from apps.notifications.models import Notification
from tests.factories import HRRequestFactory, LetterTemplateFactory, PersonFactory
from tests.files.conftest import files_root  # noqa: F401  (every test's own file storage)
from tests.notifications.conftest import smtp, staff  # noqa: F401  (a real SMTP server on 127.0.0.1)
from tests.shapes import misfits

pytestmark = pytest.mark.django_db
HR = Principal(person_id="per_hr", tenant_id="acme", roles=frozenset({"hr"}))
FILE_LINK = re.compile(r"http://testserver/files/download/[^\s\"'<>]+")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def people(db):
    staff("hr", ["hr"])
    staff("member", [])
    return PersonFactory(id="per_member", display_name="Ada Lovelace", given_name="Ada", family_name="Lovelace",
                         title="Analyst <b>II</b>", department="Engines", user_name="ada", email="ada@acme.test")


@pytest.fixture
def hr_request(people):
    return HRRequestFactory(requester_id="per_member", created_by="per_member", description="For my landlord")


def test_an_unknown_placeholder_is_refused_and_versions_count_up():
    with pytest.raises(ValidationError, match=r"Unknown placeholder \{\{ person.salary \}\}"), transaction.atomic():
        record_create(actor=HR, obj=LetterTemplate(name="Salary", body="You earn {{ person.salary }}."))
    with pytest.raises(ValidationError, match="braces do not match"), transaction.atomic():
        record_create(actor=HR, obj=LetterTemplate(name="Broken", body="Dear {{ person.name "))
    template = record_create(actor=HR, obj=LetterTemplate(name="Employment", body="Dear {{ person.name }}"))
    assert template.version == 1
    template = record_update(actor=HR, obj=template, data={"body": "Dear {{ person.given_name }}"})
    assert template.version == 2


def test_the_admin_form_names_the_unknown_placeholder(client):
    client.force_login(staff("hr", ["hr"]))
    response = client.post(reverse("admin:letters_lettertemplate_add"), {
        "name": "Visa support", "request_type": "document", "body": "Dear {{ person.nickname }}", "active": "on"})
    assert response.status_code == 200
    assert "Unknown placeholder {{ person.nickname }}" in response.content.decode()
    assert not LetterTemplate.objects.exists()


def test_the_pdf_says_what_the_template_and_the_directory_say(hr_request):
    template = LetterTemplateFactory(body="Dear {{ person.given_name }},\n\nThis confirms that **{{ person.name }}** "
                                          "works at {{ tenant.name }} as {{ person.title }} in {{ person.department }}."
                                          "\n\nRequest: {{ request.type }} ({{ request.description }}).\n\n"
                                          "{{ signer.name }}")
    template = record_update(actor=HR, obj=template, data={"name": "Employment letter"})
    letter = letter_generate(actor=HR, hr_request=hr_request, template=template)
    assert (letter.status, letter.template_version, letter.requester_id) == (LetterStatus.DRAFT, 2, "per_member")
    text = pdf_text(bytes(letter.pdf))
    assert "Dear Ada," in text
    assert "This confirms that Ada Lovelace works at Acme Corp as Analyst <b>II</b> in Engines." in text
    assert "Request: Employment Letter (For my landlord)." in text
    assert "Hr Employment letter v2" in text  # the signer's name (the staff user's), then the footer
    assert "Employment letter v2" in text  # the footer names the template version
    assert "&lt;b&gt;II&lt;/b&gt;" in letter.html  # a value is text, never markup
    assert not Attachment.objects.exists()  # nothing reaches the requester before HR sends it


def test_segregation_of_duties_and_closed_requests(hr_request):
    template = LetterTemplateFactory()
    with pytest.raises(Forbidden):
        letter_generate(actor=Principal(person_id="per_member", tenant_id="acme", roles=frozenset({"hr"})),
                        hr_request=hr_request, template=template)
    with pytest.raises(Forbidden):
        letter_generate(actor=Principal(person_id="per_agent", tenant_id="acme", roles=frozenset({"agent"})),
                        hr_request=hr_request, template=template)
    letter = letter_generate(actor=HR, hr_request=hr_request, template=template)
    letter_send(actor=HR, letter=letter)
    with pytest.raises(Conflict):
        letter_send(actor=HR, letter=letter)


def test_sending_attaches_fulfils_and_mails_a_link_not_the_bytes(hr_request, smtp, client):  # noqa: F811
    letter = letter_generate(actor=HR, hr_request=hr_request, template=LetterTemplateFactory(name="Employment letter"))
    letter = letter_send(actor=HR, letter=letter)
    hr_request.refresh_from_db()
    attachment = Attachment.objects.get(pk=letter.attachment_id)
    assert (attachment.record_id, attachment.origin, attachment.content_type) == (hr_request.pk, "letter", "application/pdf")
    assert attachment.filename == "Employment letter - Ada Lovelace.pdf"
    assert hr_request.status == "completed" and hr_request.deliverable_url.endswith(f"/attachments/{attachment.pk}/content")
    run_pass()
    [mail] = smtp.to("ada@acme.test")
    assert "fulfilled" in mail.subject
    assert not [part for part in mail.message.iter_attachments()]  # the link, never the bytes
    [link] = sorted(set(FILE_LINK.findall(mail.part("plain"))))
    assert link in mail.part("html")
    download = client.get(link.removeprefix("http://testserver"))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "This confirms that" in pdf_text(b"".join(download.streaming_content))
    forged = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    assert client.get(forged.removeprefix("http://testserver")).status_code == 404


def test_the_tenant_may_choose_to_mail_the_pdf_itself(hr_request, smtp):  # noqa: F811
    letter = letter_generate(actor=HR, hr_request=hr_request, template=LetterTemplateFactory(email_pdf=True))
    letter_send(actor=HR, letter=letter)
    run_pass()
    [mail] = smtp.to("ada@acme.test")
    [pdf] = list(mail.message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert "This confirms that" in pdf_text(pdf.get_content())
    assert Notification.objects.filter(links__has_key="attach_files").exists() and misfits(Notification) == {}


def test_the_admin_generates_reviews_and_sends(hr_request, client):
    template = LetterTemplateFactory(name="Employment letter")
    client.force_login(staff("hr2", ["hr"]))
    page = client.get(reverse("admin:operations_hrrequest_change", args=[hr_request.pk])).content.decode()
    assert 'data-testid="letter-generate"' in page and 'data-testid="letter-template"' in page
    offered = client.get(reverse("admin:letters_lettertemplate_pick"), {"type": hr_request.type}).json()["results"]
    assert offered == [{"id": template.pk, "text": "Employment letter (v1)"}]
    response = client.post(reverse("admin:letters_letter_generate", args=[hr_request.pk]), {"template": template.pk})
    letter = Letter.objects.get()
    assert response["Location"] == reverse("admin:letters_letter_change", args=[letter.pk])
    review = client.get(response["Location"]).content.decode()
    assert "This confirms that" in review and 'data-testid="letter-send"' in review
    pdf = client.get(reverse("admin:letters_letter_pdf", args=[letter.pk]))
    assert pdf["Content-Type"] == "application/pdf" and "Ada Lovelace" in pdf_text(pdf.content)
    client.post(reverse("admin:letters_letter_send", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.sent_by == "per_hr2"
    request_page = client.get(reverse("admin:operations_hrrequest_change", args=[hr_request.pk])).content.decode()
    assert "Employment letter - Ada Lovelace.pdf" in request_page and 'data-testid="letter-generate"' not in request_page


def test_another_tenant_cannot_generate_or_read(hr_request, client):
    template = LetterTemplateFactory()
    letter = letter_generate(actor=HR, hr_request=hr_request, template=template)
    client.force_login(staff("gina", ["admin", "hr"], tenant="globex"))
    assert client.post(reverse("admin:letters_letter_generate", args=[hr_request.pk]),
                       {"template": template.pk}).status_code == 404
    assert client.get(reverse("admin:letters_letter_pdf", args=[letter.pk])).status_code == 404
    assert client.post(reverse("admin:letters_letter_send", args=[letter.pk])).status_code == 404
