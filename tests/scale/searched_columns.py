"""Every column a search reachable from the project's URLs compares, and how: the admin's `?q=` of each
ModelAdmin its admin sites serve and the API's `?search=` of each viewset with `search_fields`.

They are read from the URL patterns (a ModelAdmin's views carry `model_admin`, a viewset's `cls`), so every
admin and viewset is in the list without anyone writing it down. What each search compares
is taken from the query Django builds for it (relations joined or trimmed as they run), not parsed here.
"""
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Exists
from django.db.models.lookups import Lookup
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.filters import SearchFilter

from apps.core.admin_base import TenantAdmin
from apps.core.admin_words import people_matching, person_fields

TERM = "searchedterm"  # in no row: the search's conditions are the ones holding it


@dataclass(frozen=True)
class Searched:
    table: str
    column: str
    lookup: str  # "icontains", "exact", …: what the column is compared by
    by: str  # who searches it: "admin ApprovalStepAdmin", "api TicketViewSet"

    def __str__(self) -> str:
        return f"{self.table}.{self.column} ({self.lookup}; {self.by})"


def searches() -> list[Searched]:
    admins, viewsets = _served()
    found = [s for model_admin in admins for s in _admin_search(model_admin)]
    found += [s for viewset in viewsets for s in _api_search(viewset)]
    return found


def _served(patterns=None, admins=None, viewsets=None):
    """(ModelAdmins, viewset classes) whose views the URL patterns serve, each once."""
    admins, viewsets = ({} if admins is None else admins), ({} if viewsets is None else viewsets)
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            _served(pattern.url_patterns, admins, viewsets)
        elif isinstance(pattern, URLPattern):
            if (model_admin := getattr(pattern.callback, "model_admin", None)) is not None:
                admins[id(model_admin)] = model_admin
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None and getattr(view_class, "search_fields", None):
                viewsets[view_class] = view_class
    return list(admins.values()), list(viewsets.values())


def _admin_search(model_admin) -> list[Searched]:
    """The admin's own search (Django's, as a superuser of no tenant runs it) and, for a TenantAdmin
    (apps.core.admin_words.search_people), the people its person fields name."""
    by = f"admin {type(model_admin).__name__}"
    model = model_admin.model
    request = RequestFactory().get("/", {"q": TERM})
    request.user = User(username="searcher", is_superuser=True, is_staff=True)
    if not model_admin.get_search_fields(request):
        return []
    rows, _ = model_admin.get_search_results(request, model._default_manager.all(), TERM)
    found = _compared(rows.query, by)
    if isinstance(model_admin, TenantAdmin) and person_fields(model):
        found += [Searched(model._meta.db_table, model._meta.get_field(f).column, "in", f"{by}, the people named")
                  for f in person_fields(model)]
        for people in people_matching(TERM, "tenant"):
            found += _compared(people.query, f"{by}, the people named")
    return found


def _api_search(viewset) -> list[Searched]:
    model = viewset.queryset.model
    search = SearchFilter()
    rows = model._default_manager.all()
    for name in viewset.search_fields:
        rows = rows.filter(**{search.construct_search(name, rows): TERM})
    return _compared(rows.query, f"api {viewset.__name__}")


def _compared(query, by: str) -> list[Searched]:
    """The columns the query's conditions compare with TERM, in it and in its subqueries."""
    found = []
    for node in _conditions(query.where):
        if isinstance(node, Lookup) and node.rhs == TERM:
            table = query.alias_map[node.lhs.alias].table_name
            found.append(Searched(table, node.lhs.target.column, node.lookup_name, by))
        elif isinstance(node, Exists):
            found += _compared(node.query, by)
    return found


def _conditions(node):
    yield node
    for child in getattr(node, "children", ()):
        yield from _conditions(child)

