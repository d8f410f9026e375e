"""Demo letter templates (idempotent)."""
from apps.core.principal import Principal
from apps.core.services import record_create

from .models import LetterTemplate

TEMPLATES = [
    ("Employment letter", "employment_letter", """To whom it may concern,

This letter confirms that **{{ person.name }}** is employed by {{ tenant.name }} as {{ person.title }} in the
{{ person.department }} department, and has been with us since {{ person.start_date }}.

This letter was issued on {{ today }} at the employee's request ({{ request.description }}).

Yours faithfully,

{{ signer.name }}, People team, {{ tenant.name }}
"""),
    ("Visa support letter", "document", """To the consular officer,

{{ tenant.name }} confirms that **{{ person.name }}** ({{ person.email }}) is our employee, working as
{{ person.title }}. We support their visa application for the purpose they describe:

> {{ request.description }}

{{ signer.name }}, {{ today }}
"""),
]


def seed(*, tenant, people: dict, actor: Principal) -> str:
    if LetterTemplate.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    for name, request_type, body in TEMPLATES:
        record_create(actor=actor, obj=LetterTemplate(name=name, request_type=request_type, body=body))
    return f"{len(TEMPLATES)} letter templates"
