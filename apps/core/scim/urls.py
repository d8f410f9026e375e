"""/scim/v2/: django-scim2's views, with pages counted in the database and capped at MAX_PAGE."""
import json

from django.db import models
from django.http import HttpResponse
from django.urls import re_path
from django_scim import constants, exceptions, views

from .adapters import MAX_PAGE

app_name = "scim"


class CountedPages:
    """django-scim2 counts a list by iterating it (every row of the tenant loaded); count in SQL instead."""

    def _page(self, request):
        start, count = super()._page(request)
        return start, max(0, min(count if count is not None else MAX_PAGE, MAX_PAGE))

    def _build_response(self, request, qs, start, count):
        if not isinstance(qs, models.QuerySet):
            return super()._build_response(request, qs, start, count)
        try:
            total = qs.count()
            rows = qs[start - 1:start - 1 + count] if count else []
            resources = [self.scim_adapter(o, request=request).to_dict() for o in rows]
        except ValueError as exc:
            raise exceptions.BadRequestError(str(exc)) from exc
        doc = {"schemas": [constants.SchemaURI.LIST_RESPONSE], "totalResults": total,
               "itemsPerPage": len(resources), "startIndex": start, "Resources": resources}
        return HttpResponse(json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE)


class UsersView(CountedPages, views.UsersView):
    pass


class GroupsView(CountedPages, views.GroupsView):
    pass


class UserSearchView(CountedPages, views.UserSearchView):
    pass


class GroupSearchView(CountedPages, views.GroupSearchView):
    pass


not_implemented = views.SCIMView.as_view(implemented=False)

urlpatterns = [
    re_path(r"^$", not_implemented, name="root"),
    re_path(r"^\.search$", views.SearchView.as_view(implemented=False), name="search"),
    re_path(r"^Users/\.search$", UserSearchView.as_view(), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", UsersView.as_view(), name="users"),
    re_path(r"^Groups/\.search$", GroupSearchView.as_view(), name="groups-search"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?$", GroupsView.as_view(), name="groups"),
    re_path(r"^Me$", not_implemented, name="me"),
    re_path(r"^ServiceProviderConfig$", views.ServiceProviderConfigView.as_view(), name="service-provider-config"),
    re_path(r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$", views.ResourceTypesView.as_view(), name="resource-types"),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^Bulk$", not_implemented, name="bulk"),
]
