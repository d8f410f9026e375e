"""A picker of a tenant's rows by name, for a choice a page must not list in full (a `<select>` of every
row grows with the table): the select2 of apps/core/admin_people.py, fed by an admin view that answers
one page of the rows the staff member may pick, searched by name.

`rows_autocomplete(rows)` makes the view; `rows(request, principal)` returns the rows that staff member
may pick, scoped and ordered, or None for nobody. `RowPicker` is the widget: it renders the chosen row
alone (labelled from the field's own rows, so a forged id is never named) and asks the view for the rest.
"""
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import JsonResponse
from unfold.widgets import UnfoldAdminAutocompleteWidget

from .admin_people import NOTHING, PAGE, autocomplete_request, picker_attrs
from .principal import Principal

Rows = Callable[[object, Principal], QuerySet | None]


def rows_autocomplete(rows: Rows, *, label: Callable = str, search: tuple[str, ...] = ("name",)):
    """The admin view answering select2 (`?term=&page=`, `{"results": [{"id", "text"}], "pagination":
    {"more"}}`) with the rows `rows` gives whose `search` fields hold the term, or whose id it is."""

    def autocomplete(request):
        asked = autocomplete_request(request)
        found = rows(request, asked[0]) if asked is not None else None
        if found is None:
            return JsonResponse(NOTHING)
        _, term, page = asked
        if term:
            matches = Q(pk=term)
            for field in search:
                matches |= Q(**{f"{field}__icontains": term})
            found = found.filter(matches)
        window = list(found[(page - 1) * PAGE:page * PAGE + 1])  # one more says whether a next page exists
        return JsonResponse({"results": [{"id": row.pk, "text": label(row)} for row in window[:PAGE]],
                             "pagination": {"more": len(window) > PAGE}})

    return autocomplete


class RowPicker(UnfoldAdminAutocompleteWidget):
    """One row chosen by search. Given a model choice field's rows (its `choices`), the chosen one is
    labelled from them; a plain `<select>` outside a form starts empty."""

    option_template_name = "django/forms/widgets/select_option.html"  # value and label as they are

    def __init__(self, *, url, tenant_id: str | None, testid: str, label: Callable = str, attrs=None):
        super().__init__({**picker_attrs(tenant_id, url=url, testid=testid), **(attrs or {})})
        self.label = label

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v]
        rows = getattr(self.choices, "queryset", None)
        found = rows.filter(pk__in=chosen) if chosen and rows is not None else []
        self.choices = [("", ""), *((str(row.pk), self.label(row)) for row in found)]
        return super().optgroups(name, value, attrs)
