"""A record's title, made of its data: declared on the model as `title_format = Title("{destination}, {trip_dates} — {requester_id}")`.

The title is what a person reads wherever the record is named: page titles, breadcrumbs, list
links, messages, history, inbox rows, dashboard panels and e-mails. The id stays in the API and in
the record's collapsed "Record" section.

A placeholder names an attribute of the record. A person field (declared in
`directory_fields` on the model) reads as the person's name; a field with choices as its
label; a date as "16 Dec". Names come from `obj._people` ({person id: label}), which a page fills
for all its rows in one query (apps.core.people.label_rows); a record read alone looks its people
up once and keeps them.
"""
import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

_FORMAT = string.Formatter()


def name_of(label: str) -> str:
    """ "Ada Lovelace <ada@…>" -> "Ada Lovelace" (an "(inactive)" mark stays)."""
    return re.sub(r" <[^>]*>", "", label or "")


def short_date(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%b}" if isinstance(value, date) else str(value)


def date_span(start, end) -> str:
    """16–19 Dec; 30 Nov – 2 Dec (the month once when both days fall in it)."""
    if not start or not end:
        return short_date(start or end or "")
    start, end = (timezone.localtime(v) if isinstance(v, datetime) and timezone.is_aware(v) else v
                  for v in (start, end))
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b}" if start.day != end.day else short_date(start)
    return f"{short_date(start)} – {short_date(end)}"


@dataclass(frozen=True)
class Title:
    template: str
    # Shown when every placeholder is empty (e.g. "Comment"): never the bare id.
    fallback: str = ""
    # What the placeholders read through relations (select_related paths): a list of records
    # loads them with its rows, never one query per title.
    related: tuple[str, ...] = ()
    fields: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        names = tuple(name for _, name, _, _ in _FORMAT.parse(self.template) if name)
        object.__setattr__(self, "fields", names)

    def person_fields(self, model) -> tuple[str, ...]:
        from .person_fields import PERSON, directory_fields

        kinds = directory_fields(model)
        return tuple(name for name in self.fields if kinds.get(name) == PERSON)

    def render(self, obj, people: dict[str, str]) -> str:
        persons = set(self.person_fields(type(obj)))
        values = {name: _value(obj, name, name in persons, people) for name in self.fields}
        text = self.template.format(**values)
        # A missing part takes its separator with it: "Laptop for " -> "Laptop".
        text = re.sub(r"\s*(—|·|,|for|by)\s*$", "", re.sub(r"^\s*(—|·|,)\s*", "", text)).strip()
        text = text or self.fallback or type(obj)._meta.verbose_name
        return text[:1].upper() + text[1:]


def _value(obj, name: str, is_person: bool, people: dict[str, str]) -> str:
    try:
        value = getattr(obj, name, None)
    except ObjectDoesNotExist:  # a related record not set yet (an unsaved step): the part is left out
        return ""
    if is_person:
        return name_of(people.get(value, value)) if value else ""
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None and value not in (None, ""):
        return str(display())
    if isinstance(value, (date, datetime)):
        return short_date(value)
    return "" if value is None else str(value)


def people_for_title(obj) -> dict[str, str]:
    """{person id: label} for the people the record's title names: what a page gave the row, else
    one lookup, kept on the record."""
    title = getattr(type(obj), "title_format", None)
    wanted = [getattr(obj, f) for f in title.person_fields(type(obj))] if title else []
    wanted = [p for p in wanted if p]
    known = getattr(obj, "_people", None)
    if known is not None and all(p in known for p in wanted):
        return known
    if not wanted:
        return known or {}
    from .people import display_people

    labels = {**(known or {}), **display_people(obj.tenant_id, wanted)}
    obj._people = labels
    return labels


def record_title(obj) -> str:
    title = getattr(type(obj), "title_format", None)
    if title is None:
        return str(obj)
    return title.render(obj, people_for_title(obj))


@dataclass(frozen=True)
class Summary:
    """What an inbox row says of a record besides its title: attribute names of a text to excerpt, an
    amount and dates (any may be empty)."""

    excerpt: str = ""
    amount: str = ""
    dates: str = ""

    def of(self, obj) -> dict:
        values = {part: getattr(obj, name, None) if name else None
                  for part, name in (("excerpt", self.excerpt), ("amount", self.amount), ("dates", self.dates))}
        if isinstance(values["dates"], (date, datetime)):
            values["dates"] = short_date(values["dates"])
        return values
