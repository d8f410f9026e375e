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
            data.update({f"{name}_{i}": part for i, part in enumerate(bound.widget.decompress(value))})
        elif isinstance(bound.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data
