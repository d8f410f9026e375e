"""Making a letter from a template for an HR request, HR's review, and sending it: the PDF is
attached to the request (apps.files), the request is fulfilled with a link to the file, and the
requester's notification links to it (the bytes travel in the e-mail only if the template says so)."""
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from apps.core.exceptions import Conflict, Forbidden, TransitionConflict
from apps.core.fsm import available_transitions
from apps.core.models import Tenant
from apps.core.parties import decision_parties
from apps.core.principal import Principal
from apps.core.rendering import render_markdown
from apps.operations.actions import hr_request_fulfill
from apps.core.services import check_write, record_create, record_update
from apps.files.services import _delete_bytes, file_attach
from apps.operations.models import HRRequest

from apps.core.placeholders import PLACEHOLDER

from .models import Letter, LetterStatus, LetterTemplate
from .pdf import html_to_pdf, letter_html
from .placeholders import values_for


def _check_may_decide(actor: Principal, hr_request: HRRequest) -> None:
    check_write(actor, Letter)
    if actor.person_id in decision_parties(hr_request):
        raise Forbidden("Segregation of duties: you cannot make or send a letter for a request you are a party to.")


def render_letter(*, template: LetterTemplate, hr_request: HRRequest, signer_id: str) -> tuple[str, str]:
    """(the letter's body as sanitised HTML, the whole page for the PDF). The Markdown is rendered
    with stand-ins for the placeholders, which are then replaced by the escaped values: a value is
    text, never Markdown or HTML."""
    values = values_for(hr_request=hr_request, signer_id=signer_id)
    names: list[str] = []

    def stand_in(match):
        names.append(match.group(1))
        return f"LTRPLACEHOLDER{len(names) - 1}X"

    body = render_markdown(PLACEHOLDER.sub(stand_in, template.body))
    body = re.sub(r"LTRPLACEHOLDER(\d+)X", lambda m: escape(values.values.get(names[int(m.group(1))], "")), str(body))
    body = body.replace("\n</p>", "</p>")
    tenant = Tenant.objects.filter(pk=hr_request.tenant_id).first()
    title = values.fill(template.name, html=False)
    page = letter_html(title=title, tenant=tenant.name if tenant else hr_request.tenant_id, body_html=body,
                       footer=f"{template.name} v{template.version} · {hr_request.pk}")
    return body, page


def letter_generate(*, actor: Principal, hr_request: HRRequest, template: LetterTemplate) -> Letter:
    """A draft letter for HR to review: the PDF made now, from the template's current version."""
    _check_may_decide(actor, hr_request)
    if "fulfill" not in available_transitions(hr_request):
        raise TransitionConflict(f"A letter is made while the request is open; it is {hr_request.get_status_display()}.")
    if template.tenant_id != actor.tenant_id or not template.active or template.is_deleted:
        raise Conflict("That letter template is not active in your tenant.")
    body, page = render_letter(template=template, hr_request=hr_request, signer_id=actor.person_id)
    pdf = html_to_pdf(page)  # before the transaction: no row lock held while the PDF is drawn
    letter = Letter(hr_request=hr_request, template=template, template_version=template.version,
                    requester_id=hr_request.requester_id, html=body, pdf=pdf)
    return record_create(actor=actor, obj=letter)


def letter_filename(letter: Letter) -> str:
    values = values_for(hr_request=letter.hr_request, signer_id="")
    who = values.values.get("person.name") or letter.requester_id
    return f"{letter.template.name} - {who}.pdf"


def download_url(attachment_id: str) -> str:
    return settings.SITE_URL.rstrip("/") + f"/api/v1/files/attachments/{attachment_id}/content"


def letter_send(*, actor: Principal, letter: Letter, note: str = "") -> Letter:
    """Attach the reviewed PDF to the request and fulfil it (its notification links to the file)."""
    with transaction.atomic():
        letter = Letter.objects.select_for_update().select_related("template", "hr_request").get(pk=letter.pk)
        if letter.status != LetterStatus.DRAFT:
            raise Conflict(f"This letter was {letter.get_status_display().lower()} already.")
        hr_request = letter.hr_request
        _check_may_decide(actor, hr_request)
        if "fulfill" not in available_transitions(hr_request):
            raise TransitionConflict(f"The request is {hr_request.get_status_display()}: the letter cannot be sent.")
        attachment = file_attach(actor=actor, record=hr_request, filename=letter_filename(letter),
                                 content=bytes(letter.pdf), source="letter")
        try:
            hr_request_fulfill(actor=actor, hr_request=hr_request, deliverable_url=download_url(attachment.pk),
                               comment=note.strip() or f"Your {letter.template.name} is attached to the request.")
            return record_update(actor=actor, obj=letter, data={
                "status": LetterStatus.SENT, "attachment_id": attachment.pk, "sent_at": timezone.now(),
                "sent_by": actor.person_id})
        except BaseException:
            _delete_bytes(attachment.storage_name)  # the rows roll back with this transaction
            raise


@transaction.atomic
def letter_discard(*, actor: Principal, letter: Letter) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    check_write(actor, Letter)
    if letter.status != LetterStatus.DRAFT:
        raise Conflict(f"This letter was {letter.get_status_display().lower()} already.")
    return record_update(actor=actor, obj=letter, data={"status": LetterStatus.DISCARDED})
