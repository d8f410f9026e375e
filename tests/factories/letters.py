"""Letter templates and letters made from them."""
import factory

from apps.letters.models import Letter, LetterTemplate

from .base import InTenant, TenantRecordFactory, register
from .operations import HRRequestFactory

BODY = """Dear {{ person.given_name }},

This confirms that **{{ person.name }}** works at {{ tenant.name }} as {{ person.title }}.

{{ signer.name }}, {{ today }}
"""


@register
class LetterTemplateFactory(TenantRecordFactory):
    name = factory.Sequence(lambda n: f"Employment letter {n}")
    request_type = "employment_letter"
    body = BODY

    class Meta:
        model = LetterTemplate


@register
class LetterFactory(TenantRecordFactory):
    """A draft letter (a minimal PDF) for an HR request of the row's tenant."""

    hr_request = InTenant(HRRequestFactory)
    template = InTenant(LetterTemplateFactory)
    template_version = 1
    requester_id = factory.SelfAttribute("hr_request.requester_id")
    html = "<p>Dear Ada,</p>"
    pdf = b"%PDF-1.4\n%%EOF\n"

    class Meta:
        model = Letter
