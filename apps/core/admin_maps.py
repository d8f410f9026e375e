"""Structured maps (a JSON object on the model: webhook headers, a retry policy, a connector's config and
credentials, an identity provider's role mapping) edited in the admin as key/value rows: one row per
entry, "Add a row" and "Remove" (static/backoffice/key-value-rows.js, from this site), and one blank
row in the page so a browser without scripts still adds an entry per save. A key or a value with a
known set (the retry policy's settings, the staff roles) is chosen, never typed. Validation stays the
model's and the service's; a refused form shows the rows as typed.
"""
import json

from django import forms
from django.core.exceptions import ValidationError
from unfold.widgets import BASE_INPUT_CLASSES, BUTTON_CLASSES, SELECT_CLASSES

ROW = "__n__"  # the row number in the blank row the script copies
INPUT = " ".join(BASE_INPUT_CLASSES)
SELECT = " ".join(c for c in SELECT_CLASSES if c != "max-w-2xl")


def _input(name: str, value, *, label: str, number, choices: list[tuple[str, str]] | None) -> str:
    """One box of a row; its accessible name says the field, the column and the row (`label` holds ROW)."""
    attrs = {"class": SELECT if choices else INPUT, "aria-label": label.replace(ROW, str(number)),
             "data-kv-label": label}
    if choices:
        return forms.Select(attrs=attrs, choices=[("", "—"), *choices]).render(name, value, attrs={})
    return forms.TextInput(attrs=attrs).render(name, value, attrs={})


class KeyValueRowsWidget(forms.Widget):
    """Rows of `<name>__key` and `<name>__value` inputs; the value from the data is the list of pairs.
    A JSON object posted as `<name>` itself (as the API takes it) is read as it is."""

    template_name = "core/widgets/key_value_rows.html"  # an app template: the form renderer reads app dirs

    class Media:
        js = ["backoffice/key-value-rows.js"]

    def __init__(self, *, keys: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 key_label: str = "Name", value_label: str = "Value", attrs=None):
        super().__init__(attrs)
        self.keys, self.values = keys, values
        self.key_label, self.value_label = key_label, value_label

    def _row(self, name: str, key, value, number, field_label: str) -> dict:
        return {
            "key": _input(f"{name}__key", key, label=f"{field_label}: {self.key_label.lower()}, row {ROW}",
                          number=number, choices=list(self.keys.items()) if self.keys else None),
            "value": _input(f"{name}__value", value, label=f"{field_label}: {self.value_label.lower()}, row {ROW}",
                            number=number, choices=list(self.values.items()) if self.values else None),
            "remove_label": f"Remove row {number} of {field_label.lower()}",
        }

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = str(self.attrs.get("data-field-label") or name.replace("_", " ").capitalize())
        pairs = [(k, v) for k, v in (value or []) if k or v] + [("", "")]
        context["widget"].update({
            "rows": [self._row(name, k, v, number, label) for number, (k, v) in enumerate(pairs, start=1)],
            "blank": self._row(name, "", "", ROW, label),
            "remove_template": f"Remove row {ROW} of {label.lower()}", "key_label": self.key_label,
            "value_label": self.value_label, "field_label": label, "button_class": " ".join(BUTTON_CLASSES)})
        return context

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data[name]
        keys, values = data.getlist(f"{name}__key"), data.getlist(f"{name}__value")
        if not keys and not values:
            return None
        return list(zip(keys, values, strict=False))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__key" not in data


class KeyValueField(forms.Field):
    """A JSON object as rows. `typed`: a value that reads as JSON (`5`, `true`, `[...]`) is stored as such
    (the rows show every value as text). `list_values`: each key maps to a list, a row per item (a group
    and one of its roles). Rows left empty are dropped; a value without a name is an error."""

    def __init__(self, *, keys: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 typed: bool = False, list_values: bool = False, key_label: str = "Name",
                 value_label: str = "Value", **kwargs):
        self.typed, self.list_values = typed, list_values
        kwargs.setdefault("widget", KeyValueRowsWidget(keys=keys, values=values, key_label=key_label,
                                                       value_label=value_label))
        super().__init__(**kwargs)
        if self.label:
            self.widget.attrs["data-field-label"] = str(self.label)

    def _text(self, value) -> str:
        return value if isinstance(value, str) else json.dumps(value)

    def prepare_value(self, value):
        """The rows to show: [(key, value as text)]."""
        if isinstance(value, list):  # the pairs posted: shown as they were typed
            return value
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return []
        if not isinstance(value, dict):
            return []
        if self.list_values:
            return [(k, self._text(item)) for k, items in value.items() for item in (items or [])]
        return [(k, self._text(v)) for k, v in value.items()]

    def to_python(self, value):
        if value in (None, ""):
            return {}
        if isinstance(value, dict):
            return value
        if isinstance(value, str):  # a JSON object, as the API takes it
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise ValidationError("Give name and value rows.") from exc
            if not isinstance(parsed, dict):
                raise ValidationError("Give name and value rows.")
            return parsed
        out: dict = {}
        for number, (key, raw) in enumerate(value, start=1):
            key, raw = str(key).strip(), str(raw).strip()
            if not key and not raw:
                continue
            if not key:
                raise ValidationError(f"Row {number}: give the {self.widget.key_label.lower()} of “{raw}”.")
            if self.typed:
                try:
                    raw = json.loads(raw)
                except ValueError:
                    pass
            if self.list_values:
                if raw != "" and raw not in out.setdefault(key, []):
                    out[key].append(raw)
            elif key in out:
                raise ValidationError(f"Row {number}: “{key}” is given twice.")
            else:
                out[key] = raw
        return out

    def has_changed(self, initial, data):
        try:
            return self.to_python(self.prepare_value(initial)) != self.to_python(data)
        except ValidationError:
            return True


def map_field_for(db_field) -> KeyValueField:
    """A model's free map (default `dict`) as typed rows: its values keep their JSON types."""
    return KeyValueField(typed=True, required=not db_field.blank, label=db_field.verbose_name.capitalize(),
                         help_text=db_field.help_text, validators=list(db_field.validators))
