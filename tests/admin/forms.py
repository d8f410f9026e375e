"""Admin forms as a browser posts them back."""
from django import forms


def form_as_posted(response) -> dict:
    """What the browser would send back for the change form as rendered."""
    form = response.context["adminform"].form
    data = {}
    for name, bound in form.fields.items():
        if bound.disabled:
            continue
        value = form[name].value()
        if isinstance(bound.widget, forms.MultiWidget):
            data.update({f"{name}_{i}": "" if part is None else part  # an empty box posts ""
                         for i, part in enumerate(bound.widget.decompress(value))})
        elif isinstance(bound.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def _bound_form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key, value = form.add_prefix(name), form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            data.update({f"{key}_{i}": "" if part is None else part
                         for i, part in enumerate(field.widget.decompress(value))})
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = value
    return data


def page_as_posted(response) -> dict:
    """The change form and its inlines (management forms included) as the browser sends them back."""
    data = form_as_posted(response)
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(_bound_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_bound_form_data(form))
    return data
