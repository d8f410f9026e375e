"""/scim/v2/: SCIM 2.0 provisioning of the tenant directory (a tenant's SCIM token names the tenant)."""
from django.urls import re_path

from .views import (
    GroupSearchView, GroupsView, NotFoundView, ResourceTypesView, SchemasView, ServiceProviderConfigView,
    UserSearchView, UsersView,
    not_implemented,
)

app_name = "scim"

urlpatterns = [
    re_path(r"^$", not_implemented, name="root"),
    re_path(r"^\.search$", not_implemented, name="search"),
    re_path(r"^Users/\.search$", UserSearchView.as_view(), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", UsersView.as_view(), name="users"),
    re_path(r"^Groups/\.search$", GroupSearchView.as_view(), name="groups-search"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?$", GroupsView.as_view(), name="groups"),
    re_path(r"^Me$", not_implemented, name="me"),
    re_path(r"^ServiceProviderConfig$", ServiceProviderConfigView.as_view(), name="service-provider-config"),
    re_path(r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$", ResourceTypesView.as_view(), name="resource-types"),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", SchemasView.as_view(), name="schemas"),
    re_path(r"^Bulk$", not_implemented, name="bulk"),
    re_path(r"^.+$", NotFoundView.as_view(), name="not-found"),
]
