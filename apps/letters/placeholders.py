"""The placeholders a letter template may use, checked when the template is saved and filled when a
letter is made. `{{ person.name }}` style; values come from the directory person the request is for,
the request, the tenant and the HR person generating it. Filling is plain substitution of escaped
text, never a template language: a template cannot run code or read anything but these values."""
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# name -> what it is (shown in the admin's help text)
CATALOGUE: dict[str, str] = {
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
}


def help_text() -> str:
    return "Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in CATALOGUE) + "."


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders of `text` (unknown names, unclosed braces)."""
    out = []
    for match in PLACEHOLDER.finditer(text or ""):
        name = match.group(1)
        if name not in CATALOGUE:
            out.append(f"Unknown placeholder {{{{ {name} }}}}: use one of {', '.join(CATALOGUE)}.")
    rest = PLACEHOLDER.sub("", text or "")
    if "{{" in rest or "}}" in rest:
        out.append("A placeholder's braces do not match: write {{ name }}.")
    return out


@dataclass(frozen=True)
class Values:
    values: dict[str, str]

    def fill(self, text: str, *, html: bool) -> str:
        def value(match):
            found = self.values.get(match.group(1), "")
            return escape(found) if html else found

        return PLACEHOLDER.sub(value, text)


def _date(value) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if hasattr(value, "hour") else value
    return f"{local.day} {local:%B %Y}"


def person_name(tenant_id: str, person_id: str) -> str:
    """A person's name as a letter writes it: the directory's, else the staff user's, else their id."""
    from apps.core.directory import Person
    from apps.core.models import StaffMembership

    person = Person.objects.filter(tenant_id=tenant_id, pk=person_id).first()
    if person is not None:
        name = person.display_name or " ".join(p for p in (person.given_name, person.family_name) if p)
        if name:
            return name
    membership = StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id).select_related("user").first()
    if membership is not None:
        return membership.user.get_full_name() or membership.user.username
    return person_id or ""


def values_for(*, hr_request, signer_id: str) -> Values:
    from apps.core.directory import Person
    from apps.core.models import Tenant
    tenant_id = hr_request.tenant_id
    person = Person.objects.filter(tenant_id=tenant_id, pk=hr_request.requester_id).select_related("manager").first()
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return Values({
        "person.name": person_name(tenant_id, hr_request.requester_id),
        "person.given_name": getattr(person, "given_name", ""),
        "person.family_name": getattr(person, "family_name", ""),
        "person.email": getattr(person, "email", ""),
        "person.title": getattr(person, "title", ""),
        "person.department": getattr(person, "department", ""),
        "person.employee_number": getattr(person, "employee_number", ""),
        "person.manager": (person.manager.display_name if person is not None and person.manager else ""),
        "person.start_date": _date(person.created_at) if person is not None else "",
        "request.id": hr_request.pk,
        "request.type": hr_request.get_type_display(),
        "request.description": hr_request.description,
        "request.date": _date(hr_request.created_at),
        "tenant.name": tenant.name if tenant else tenant_id,
        "signer.name": person_name(tenant_id, signer_id) if signer_id else "",
        "today": _date(timezone.now()),
    })
