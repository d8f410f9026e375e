"""HR letters' writes, one map per model (apps/core/actions.py). A template is a plain record (each saved
change a new version); a letter is made by `letter_generate` from an HR request and a template, then sent
(`letter_send`: attached to the request, which is fulfilled) or discarded (`letter_discard`)."""
from apps.core.actions import Actions
from apps.core.exceptions import NotFound
from apps.core.principal import Principal
from apps.operations.models import HRRequest

from .models import Letter, LetterTemplate
from .services import letter_discard, letter_generate, letter_send

__all__ = ["LETTER_ACTIONS", "LETTER_TEMPLATE_ACTIONS", "letter_create", "letter_discard", "letter_send"]


def letter_create(*, actor: Principal, data: dict) -> Letter:
    """Generate a draft letter: `data` names the HR request and the template (both must be visible to
    `actor`; another tenant's is a 404)."""
    hr_request = HRRequest.objects.visible_to(actor).filter(pk=data["hr_request_id"]).first()
    if hr_request is None:
        raise NotFound("No such HR request in your tenant.")
    template = LetterTemplate.objects.visible_to(actor).filter(pk=data["template_id"]).first()
    if template is None:
        raise NotFound("No such letter template in your tenant.")
    return letter_generate(actor=actor, hr_request=hr_request, template=template)


LETTER_TEMPLATE_ACTIONS = Actions(LetterTemplate)
LETTER_ACTIONS = Actions(Letter, create=letter_create)
