"""Placeholders in staff-written text (`{{ person.name }}` style): the mechanism only. Each kind of
text declares its own `Catalogue` in the app that owns the text and passes it explicitly; core knows
none of them. Filling is plain substitution of escaped text, never a template language: a text cannot run code
or read anything but its catalogue's values."""
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape

from .directory_link import directory

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class Values:
    values: dict[str, str]

    def fill(self, text: str, *, html: bool) -> str:
        def value(match):
            found = self.values.get(match.group(1), "")
            return escape(found) if html else found

        return PLACEHOLDER.sub(value, text)


@dataclass(frozen=True)
class Catalogue:
    """The placeholders one kind of text may use: name -> what it is (shown in help texts)."""

    names: dict[str, str]

    def help_text(self) -> str:
        return "Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in self.names) + "."

    def problems(self, text: str) -> list[str]:
        """What is wrong with the placeholders of `text` (unknown names, unclosed braces)."""
        out = []
        for match in PLACEHOLDER.finditer(text or ""):
            name = match.group(1)
            if name not in self.names:
                out.append(f"Unknown placeholder {{{{ {name} }}}}: use one of {', '.join(self.names)}.")
        rest = PLACEHOLDER.sub("", text or "")
        if "{{" in rest or "}}" in rest:
            out.append("A placeholder's braces do not match: write {{ name }}.")
        return out

    def values(self, values: dict[str, str]) -> Values:
        """The values for one text, exactly one per declared name: a catalogue and its filling
        cannot drift apart."""
        if set(values) != set(self.names):
            raise ValueError(f"placeholder values differ from the catalogue: {sorted(set(values) ^ set(self.names))}")
        return Values(values)


def date_text(value) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if hasattr(value, "hour") else value
    return f"{local.day} {local:%B %Y}"


def person_name(tenant_id: str, person_id: str) -> str:
    """A person's name as a letter writes it: the directory's, else the staff user's, else their id."""
    from apps.core.models import StaffMembership

    person = directory().person.objects.filter(tenant_id=tenant_id, pk=person_id).first()
    if person is not None:
        name = person.display_name or " ".join(p for p in (person.given_name, person.family_name) if p)
        if name:
            return name
    membership = StaffMembership.objects.filter(tenant_id=tenant_id, person_id=person_id).select_related("user").first()
    if membership is not None:
        return membership.user.get_full_name() or membership.user.username
    return person_id or ""
