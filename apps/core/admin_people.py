"""Person fields in the admin: an autocomplete picker over the tenant's directory, never a free-text id.

Every field the directory declares as a person (`directory_fields` on each model) gets a
select2 picker fed by `people_autocomplete` (active people of the staff member's tenant, by name,
email, sign-in name or id); a list of people (`approver_ids`) gets the multiple picker. On POST a
changed value must name an active person of the tenant (or a staff member), so a forged or mistyped
id is a form error; a value left as it was stays valid even if that person has since left.
"""
import json

from django import forms
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse_lazy
from unfold.widgets import UnfoldAdminAutocompleteWidget, UnfoldAdminMultipleAutocompleteWidget

from .admin_scope import principal_for
from .directory_link import directory
from .models import StaffMembership
from .person_fields import GROUP_ID_PREFIX, PERSON, PERSON_LIST, ChosenBy, directory_fields
from .people import display_people, group_label
from .principal import Principal

PAGE = 20
AUTOCOMPLETE_URL = reverse_lazy("admin-people-autocomplete")
PRINCIPALS_URL = reverse_lazy("admin-principals-autocomplete")


NOTHING = {"results": [], "pagination": {"more": False}}


def autocomplete_request(request) -> tuple[Principal, str, int] | None:
    """select2's `?term=&page=` (and `tenant`, for a superuser's page) read for an autocomplete view;
    None when the user may see nothing."""
    principal = principal_for(request, tenant_id=request.GET.get("tenant") or None)
    if principal is None:
        return None
    term = request.GET.get("term", "").strip()[:100]
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    return principal, term, page


def active_people_matching(principal: Principal, term: str):
    """Active people the principal may see, by name, email, sign-in name or id, in display order."""
    people = directory().person.objects.visible_to(principal).filter(active=True)
    if term:
        people = people.filter(Q(display_name__icontains=term) | Q(email__icontains=term)
                               | Q(user_name__icontains=term) | Q(pk=term))
    return people.order_by("display_name", "pk")


def groups_matching(principal: Principal, term: str):
    """The tenant's groups the principal may see, by name or id, in display order."""
    groups = directory().group.objects.visible_to(principal)
    if term:
        groups = groups.filter(Q(display_name__icontains=term) | Q(pk=term))
    return groups.order_by("display_name", "pk")


def directory_autocomplete(*, people: bool = True, groups: bool = True, tokens: dict[str, str] | None = None,
                           label_group=group_label):
    """The admin view answering a picker of people and/or groups of the staff member's tenant, as select2
    asks (`?term=&page=`, JSON `{"results": [{"id", "text"}], "pagination": {"more"}}`): the `tokens`
    ({value: label}, e.g. "the requester's manager") the term matches, then groups, then active people."""

    def autocomplete(request):
        asked = autocomplete_request(request)
        if asked is None:
            return JsonResponse(NOTHING)
        principal, term, page = asked
        enough = page * PAGE + 1  # of each kind, to fill every page up to this one
        options = [{"id": value, "text": label} for value, label in (tokens or {}).items()
                   if not term or value in term.lower() or term.lower() in label.lower()]
        if groups:
            options += [{"id": g.pk, "text": label_group(g)} for g in groups_matching(principal, term)[:enough]]
        if people:
            options += [{"id": p.pk, "text": p.label} for p in active_people_matching(principal, term)[:enough]]
        return JsonResponse({"results": options[(page - 1) * PAGE:page * PAGE],
                             "pagination": {"more": len(options) > page * PAGE}})

    return autocomplete


people_autocomplete = directory_autocomplete(groups=False)  # a person field
principals_autocomplete = directory_autocomplete()  # a person-or-group field


class Labelled:
    """Renders the current value(s) as the selected option(s), labelled from the directory."""

    tenant_id: str | None = None
    option_template_name = "django/forms/widgets/select_option.html"  # value and label as they are

    def labels(self, chosen: list[str]) -> dict[str, str]:
        return display_people(self.tenant_id, chosen) if self.tenant_id else {}

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v]
        labels = self.labels(chosen)
        self.choices = [("", ""), *((v, labels.get(v, v)) for v in chosen)]
        return super().optgroups(name, value, attrs)


def picker_attrs(tenant_id: str | None, *, url=AUTOCOMPLETE_URL, testid: str = "person-picker") -> dict:
    url = str(url)
    if tenant_id:
        url += ("&" if "?" in url else "?") + f"tenant={tenant_id}"
    return {"data-ajax--url": url, "data-testid": testid}


class PersonPicker(Labelled, UnfoldAdminAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None, attrs=None):
        super().__init__({**picker_attrs(tenant_id), **(attrs or {})})
        self.tenant_id = tenant_id


class PeoplePicker(Labelled, UnfoldAdminMultipleAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None, attrs=None):
        super().__init__({**picker_attrs(tenant_id), **(attrs or {})})
        self.tenant_id = tenant_id


class PeopleField(forms.Field):
    """An ordered list of person ids (a JSON list on the model) chosen with the multiple picker."""

    def prepare_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [value]
        return [str(v) for v in value or []]

    def to_python(self, value):
        return list(dict.fromkeys(str(v).strip() for v in value or [] if str(v).strip()))

    def has_changed(self, initial, data):
        return self.prepare_value(initial) != self.to_python(data)


def known_people(tenant_id: str, person_ids: set[str]) -> set[str]:
    """Those of `person_ids` an active directory entry or a staff membership of the tenant names."""
    if not person_ids:
        return set()
    person = directory().person
    people = set(person.objects.filter(tenant_id=tenant_id, active=True, pk__in=person_ids).values_list("pk", flat=True))
    staff = set(StaffMembership.objects.filter(tenant_id=tenant_id, person_id__in=person_ids - people)
                .values_list("person_id", flat=True))
    inactive = set(person.all_objects.filter(Q(active=False) | Q(is_deleted=True), tenant_id=tenant_id,
                                            pk__in=staff).values_list("pk", flat=True))
    return people | (staff - inactive)


class PrincipalPicker(Labelled, UnfoldAdminAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None):
        super().__init__(picker_attrs(tenant_id, url=PRINCIPALS_URL, testid="principal-picker"))
        self.tenant_id = tenant_id


def _clean_principal(name: str, chosen: ChosenBy):
    """A person-or-group field: a changed value names an active person or a group of the tenant, and
    the field that says which (`principal_type`) follows the choice."""
    def clean(form):
        value = form.cleaned_data.get(name)
        if not form.picker_tenant_id or not value or value == form.initial.get(name):
            return value
        known = directory().group.objects.filter(tenant_id=form.picker_tenant_id, pk=value).exists() or bool(
            known_people(form.picker_tenant_id, {value}))
        if not known:
            raise forms.ValidationError(f"Not an active person or a group of this tenant: {value}.")
        return value

    clean.__name__ = f"clean_{name}"
    return clean


def _principal_type_follows(form_class, name: str, chosen: ChosenBy):
    """The form's `clean`, setting the field that says what `name` names from the value chosen."""
    group_kind = next(k for k, v in chosen.kinds.items() if v == "group")

    def clean(form):
        cleaned = form_class.clean(form)
        value = form.cleaned_data.get(name)
        if value and chosen.field in form.fields:
            form.cleaned_data[chosen.field] = group_kind if value.startswith(f"{GROUP_ID_PREFIX}_") else chosen.default
        return cleaned

    return clean


def _clean_person(name: str, kind: str):
    def clean(form):
        value = form.cleaned_data.get(name)
        if not form.picker_tenant_id:  # a superuser's add page before a tenant is chosen: the service decides
            return value
        before = form.initial.get(name)
        new = set(value or []) - set(PeopleField().prepare_value(before)) if kind == PERSON_LIST else (
            {value} if value and value != before else set())
        unknown = sorted(new - known_people(form.picker_tenant_id, new))
        if unknown:
            raise forms.ValidationError(f"Not an active person of this tenant: {', '.join(unknown)}.")
        return value

    clean.__name__ = f"clean_{name}"
    return clean


def with_person_pickers(form_class, *, model, tenant_id: str | None):
    """`form_class` with a picker on every free-text person field of `model` (fields a page already
    offers as a choice, such as an assignee among agents, keep their choice)."""
    fields = {name: kind for name, kind in directory_fields(model).items()
              if (kind in (PERSON, PERSON_LIST) or isinstance(kind, ChosenBy)) and name in form_class.base_fields
              and not isinstance(form_class.base_fields[name], forms.ChoiceField)
              and not form_class.base_fields[name].disabled and not hasattr(form_class, f"clean_{name}")}
    if not fields:
        return form_class
    attrs = {"picker_tenant_id": tenant_id}
    for name, kind in fields.items():
        old = form_class.base_fields[name]
        label = str(old.label or name)
        label = label[:-4] + "s" if label.endswith(" ids") else label.removesuffix(" id")  # people, not ids
        common = {"required": old.required, "label": label, "help_text": old.help_text}
        if kind == PERSON_LIST:
            attrs[name] = PeopleField(**common, widget=PeoplePicker(tenant_id=tenant_id))
        elif isinstance(kind, ChosenBy):
            attrs[name] = forms.CharField(**{**common, "label": "Person or group"}, max_length=getattr(old, "max_length", None),
                                          empty_value=getattr(old, "empty_value", ""),
                                          widget=PrincipalPicker(tenant_id=tenant_id))
            attrs[f"clean_{name}"] = _clean_principal(name, kind)
            attrs["clean"] = _principal_type_follows(form_class, name, kind)
            continue
        else:
            attrs[name] = forms.CharField(**common, max_length=getattr(old, "max_length", None),
                                          empty_value=getattr(old, "empty_value", ""),
                                          widget=PersonPicker(tenant_id=tenant_id))
        attrs[f"clean_{name}"] = _clean_person(name, kind)
    # Declared fields, so the subclasses the admin builds on top keep them.
    return type(form_class.__name__, (form_class,), attrs)
