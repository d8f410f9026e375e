"""Admin forms as a browser posts them back."""
from django import forms

from apps.core.admin_maps import KeyValueRowsWidget


def form_as_sent(form) -> dict:
    """What the browser sends for `form` as rendered (its prefix included): a split date-time box by
    box, an unticked checkbox not at all, a disabled field not at all."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key, value = form.add_prefix(name), form[name].value()
        if isinstance(field.widget, KeyValueRowsWidget):  # a map's rows: a name and a value box each
            pairs = field.prepare_value(value)
            data.update({f"{key}__key": [k for k, _ in pairs], f"{key}__value": [v for _, v in pairs]})
        elif isinstance(field.widget, forms.MultiWidget):
            data.update({f"{key}_{i}": "" if part is None else part  # an empty box posts ""
                         for i, part in enumerate(field.widget.decompress(value))})
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = value
    return data


def form_as_posted(response) -> dict:
    """What the browser would send back for the change form as rendered (without its inlines)."""
    return form_as_sent(response.context["adminform"].form)


def page_as_posted(response) -> dict:
    """The change form and its inlines (management forms included) as the browser sends them back."""
    data = form_as_posted(response)
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(form_as_sent(formset.management_form))
        for form in formset.forms:
            data.update(form_as_sent(form))
    return data
