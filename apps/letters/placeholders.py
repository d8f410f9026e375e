"""The placeholders a letter template may use, checked when the template is saved (its `clean`) and
filled when a letter is made: values come from the directory person the request is for, the
request, the tenant and the HR person generating it."""
from django.utils import timezone

from apps.core.placeholders import Catalogue, Values, date_text, person_name

LETTER_PLACEHOLDERS = Catalogue({
    "person.name": "the requester's display name (given and family name when it has none)",
    "person.given_name": "the requester's given name",
    "person.family_name": "the requester's family name",
    "person.email": "the requester's e-mail address",
    "person.title": "the requester's job title",
    "person.department": "the requester's department",
    "person.employee_number": "the requester's employee number",
    "person.manager": "the requester's manager's name",
    "person.start_date": "when the requester's directory entry was created (date)",
    "request.id": "the HR request's id",
    "request.type": "the HR request's type",
    "request.description": "what the requester asked for",
    "request.date": "when the request was made (date)",
    "tenant.name": "the organisation's name",
    "signer.name": "the name of the HR person generating the letter",
    "today": "today's date",
})


def values_for(*, hr_request, signer_id: str) -> Values:
    from apps.directory.models import Person
    from apps.core.models import Tenant

    tenant_id = hr_request.tenant_id
    person = Person.objects.filter(tenant_id=tenant_id, pk=hr_request.requester_id).select_related("manager").first()
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return LETTER_PLACEHOLDERS.values({
        "person.name": person_name(tenant_id, hr_request.requester_id),
        "person.given_name": getattr(person, "given_name", ""),
        "person.family_name": getattr(person, "family_name", ""),
        "person.email": getattr(person, "email", ""),
        "person.title": getattr(person, "title", ""),
        "person.department": getattr(person, "department", ""),
        "person.employee_number": getattr(person, "employee_number", ""),
        "person.manager": (person.manager.display_name if person is not None and person.manager else ""),
        "person.start_date": date_text(person.created_at) if person is not None else "",
        "request.id": hr_request.pk,
        "request.type": hr_request.get_type_display(),
        "request.description": hr_request.description,
        "request.date": date_text(hr_request.created_at),
        "tenant.name": tenant.name if tenant else tenant_id,
        "signer.name": person_name(tenant_id, signer_id) if signer_id else "",
        "today": date_text(timezone.now()),
    })
