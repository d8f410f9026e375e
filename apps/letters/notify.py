"""What the requester's "HR request fulfilled" e-mail says of a letter sent with it: a signed link to
the PDF, and (only if the template says so) the PDF itself as an attachment of the mail."""
from apps.core.models import Event


def letter_extras(*, event: Event, recipient_id: str) -> tuple[dict, dict]:
    """(context for the template, links for the message) — empty when no letter went with it."""
    from apps.files.links import FileLink, file_url

    from .models import Letter, LetterStatus

    letter = (Letter.objects.filter(tenant_id=event.tenant_id, hr_request_id=event.entity_id, status=LetterStatus.SENT)
              .select_related("template").order_by("-sent_at").first())
    if letter is None or not letter.attachment_id:
        return {}, {}
    links = {"file": file_url(FileLink(tenant_id=event.tenant_id, person_id=recipient_id,
                                       attachment_id=letter.attachment_id))}
    if letter.template.email_pdf:
        links["attach_files"] = [letter.attachment_id]
    return {"letter": letter, "letter_name": letter.template.name}, links
