"""Admin forms that save through the named actions and keep every choice inside one tenant.

The form only validates; the admin runs the action in `save_model`, after validation, as Django's
admin does. A ValidationError or DomainError the action raises rolls the save back and becomes an
error on the page (ServiceRefused, TenantAdmin.changeform_view): nothing is saved.
"""
import json

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.text import capfirst
from unfold.widgets import UnfoldAdminTextInputWidget

from .exceptions import DomainError
from .models import Tenant, TenantModel


def tenant_choice_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """`base` with a required choice of an existing tenant (superusers who belong to none)."""
    field = forms.ModelChoiceField(
        queryset=Tenant.objects.order_by("id"), required=True, label="Tenant",
        help_text="The tenant this record belongs to; related records must be of the same tenant.")
    return type(base.__name__, (base,), {"tenant": field})


def tenant_model_choice_fields(form) -> dict[str, forms.ModelChoiceField]:
    return {name: field for name, field in form.fields.items()
            if isinstance(field, forms.ModelChoiceField) and issubclass(field.queryset.model, TenantModel)}


def check_choices_of_one_tenant(form, tenant_id: str) -> None:
    """Every chosen related record belongs to `tenant_id` (a superuser's form lists every tenant)."""
    for name, field in tenant_model_choice_fields(form).items():
        value = form.cleaned_data.get(name)
        chosen = value if isinstance(field, forms.ModelMultipleChoiceField) else [value]
        if any(item is not None and item.tenant_id != tenant_id for item in chosen or []):
            form.add_error(name, "Select a record of the same tenant.")


def add_service_errors(form, exc: ValidationError | DomainError) -> None:
    if isinstance(exc, DomainError):
        form.add_error(None, exc.detail)
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field in form.fields and field != NON_FIELD_ERRORS:
            form.add_error(field, errors)
        else:
            label = "" if field == NON_FIELD_ERRORS else f"{field}: "
            form.add_error(None, [f"{label}{message}" for message in errors])


class ServiceRefused(Exception):
    """A named action refused an admin form's save (raised from `save_model`): the change view shows
    the same form again with why (TenantAdmin.changeform_view); its transaction rolled back."""

    def __init__(self, error: ValidationError | DomainError):
        super().__init__(str(error))
        self.error = error


REFUSED = "_admin_service_refused"  # request attribute: the refusal the form shows on the second pass


def service_form(base: type[forms.ModelForm], *, check, request, change: bool) -> type[forms.ModelForm]:
    """`base` whose validation ends with `check(request, form, change)` (checks only: the choices of one
    tenant). Nothing is written while it validates: the admin saves in `save_model`, as Django's does.
    After a refused save the same form validates again and carries the action's errors."""

    class ServiceForm(base):
        def _post_clean(self):
            super()._post_clean()
            if self.errors or not self.is_bound:
                return
            check(request, self, change)
            refused = getattr(request, REFUSED, None)
            if refused is not None and not self.errors:
                add_service_errors(self, refused)

    ServiceForm.__name__ = base.__name__
    return ServiceForm


class TextListField(forms.CharField):
    """A list of short strings typed as `a, b`; stored as the JSON list. A JSON list typed in is
    accepted too. What each item may be is the model's and the service's to say."""

    item = "value"
    max_item_length: int | None = None

    def __init__(self, *, example: str = "", **kwargs):
        kwargs.setdefault("widget", UnfoldAdminTextInputWidget(attrs={"placeholder": example} if example else None))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = (value or "").strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                raise ValidationError(f"Not a list of {self.item}s.") from exc
            if not isinstance(parsed, list):
                raise ValidationError(f"Not a list of {self.item}s.")
            items = [str(v) for v in parsed]
        else:
            items = text.split(",")
        values = list(dict.fromkeys(t.strip() for t in items if t.strip()))
        if self.max_item_length and any(len(t) > self.max_item_length for t in values):
            raise ValidationError(f"A {self.item} is at most {self.max_item_length} characters.")
        return values


class TagListField(TextListField):
    """Tags typed as `vpn, laptop`."""

    item = "tag"
    max_item_length = 64

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Comma-separated, e.g. vpn, remote-work")
        super().__init__(example="vpn, laptop", **kwargs)


def list_field_for(db_field) -> TextListField:
    """The admin field for a model's JSON list of strings (`default=list`)."""
    help_text = " ".join(filter(None, [str(db_field.help_text or "").strip(), "Comma-separated."]))
    return TextListField(required=not db_field.blank, label=capfirst(db_field.verbose_name), help_text=help_text)


class ChoiceListField(forms.TypedMultipleChoiceField):
    """Several of the known values, ticked; a JSON list typed in (as the API takes it) is read as the list."""

    def to_python(self, value):
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).strip().startswith("["):
            value = value[0]
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValidationError("Not a list.") from exc
        return super().to_python(value)


TICKED = 20  # up to this many values are checkboxes; more are a grouped list to pick from


def grouped(choices: list[tuple[str, str]]) -> list:
    """Long lists grouped by the values' first dotted part (`helpdesk.…`), `*` first on its own."""
    groups: dict[str, list] = {}
    for value, label in choices:
        groups.setdefault("All" if value == "*" else value.split(".", 1)[0].capitalize(), []).append((value, label))
    return list(groups.items())


def choice_field_for(db_field, allowed) -> forms.Field:
    """The admin field for a model field with a known set of values (`OneOf`): a choice, or several
    for a JSON list. The choices are read when the form is built (registries fill after start-up)."""
    from unfold.widgets import (
        UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminSelectMultipleWidget, UnfoldAdminSelectWidget,
    )

    label, help_text = capfirst(db_field.verbose_name), db_field.help_text
    if isinstance(db_field, models.JSONField):
        choices = allowed.choices()
        if len(choices) <= TICKED:
            return ChoiceListField(choices=choices, required=not db_field.blank, label=label, help_text=help_text,
                                   widget=UnfoldAdminCheckboxSelectMultipleWidget)
        picker = UnfoldAdminSelectMultipleWidget(attrs={"size": 12, "class": "h-auto"})
        return ChoiceListField(choices=grouped(choices), required=not db_field.blank, label=label,
                               help_text=f"{help_text} Ctrl- or Cmd-click picks several.".strip(), widget=picker)
    choices = ([("", "---------")] if db_field.blank else []) + allowed.choices()
    return forms.ChoiceField(choices=choices, required=not db_field.blank, label=label, help_text=help_text,
                             widget=UnfoldAdminSelectWidget)
