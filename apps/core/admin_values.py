"""Read-only JSON values as words on a change page: a list as its items separated by commas (a known
value by its label), a map as one `name: value` line per entry, an empty one as "—" — never `[]`.
Every TenantAdmin shows each of its model's JSON fields so wherever the field is read-only (the
field policy, an audit field, a role that may only view); editable ones keep their form field."""
import json

from django.db.models import JSONField
from django.utils.text import capfirst

from .allowed import allowed_values
from .person_fields import directory_fields

EMPTY = "—"


def json_fields(model) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.concrete_fields if isinstance(f, JSONField))


def words_name(field: str) -> str:
    return f"{field}_words"


def _item(value, labels: dict) -> str:
    if isinstance(value, str):
        return labels.get(value, value)
    return json.dumps(value, ensure_ascii=False)


def as_words(value, labels: dict | None = None) -> str:
    labels = labels or {}
    if value in (None, "", [], {}):
        return EMPTY
    if isinstance(value, list):
        return ", ".join(_item(v, labels) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{name}: {_item(v, labels)}" for name, v in value.items())
    return _item(value, labels)


def words_column(model, field: str):
    """A read-only field showing the JSON field `field` as words."""
    db_field = model._meta.get_field(field)
    allowed = allowed_values(db_field)
    names_people = field in directory_fields(model)  # a list of person or group ids reads as their names

    def show(obj):
        value = getattr(obj, field, None)
        if names_people and isinstance(value, list):
            from .people import display_people

            return as_words(value, display_people(obj.tenant_id, [v for v in value if isinstance(v, str)]))
        return as_words(value, dict(allowed.choices()) if allowed else None)

    show.short_description = capfirst(str(db_field.verbose_name))
    show.__name__ = words_name(field)
    return show


def swap_values(names, model, readonly: set[str]) -> list:
    """`names` with each read-only JSON field as its words."""
    fields = set(json_fields(model))
    return [words_name(n) if isinstance(n, str) and n in fields and n in readonly else n for n in names]
