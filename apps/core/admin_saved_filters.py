"""Saved filters on every TenantAdmin changelist: save the list's filter/search/ordering under a
name, open it again, share it with the tenant, delete it. Writes go through
apps.core.saved_filter_services; another tenant's filter is never listed and its URLs are a 404."""
import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.urls import path, reverse

from .exceptions import DomainError
from .saved_filter_services import ORDER, SEARCH, clean_query, saved_filter_create, saved_filter_delete, view_pairs
from .saved_filters import QUERY_MAX, SavedFilter


class SavedFiltersMixin:
    list_before_template = "admin/core/saved_filters.html"

    def changelist_key(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    def saved_filter_actor(self, request):
        """The staff member saving and seeing filters; a superuser of no tenant has none."""
        from .admin_scope import is_unbound_superuser, principal_for

        return None if is_unbound_superuser(request) else principal_for(request)

    def _saved_filter_url(self, view: str, *args) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args, current_app=self.admin_site.name)

    def saved_filter_urls(self) -> list:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("saved-filters/save/", self.admin_site.admin_view(self.saved_filter_save_view),
                 name="%s_%s_saved_filter_save" % info),
            path("saved-filters/<str:filter_id>/delete/", self.admin_site.admin_view(self.saved_filter_delete_view),
                 name="%s_%s_saved_filter_delete" % info),
        ]

    # -- what the list accepts --------------------------------------------------------------
    def _saved_filter_changelist(self, request, query: str):
        listing = copy.copy(request)
        listing.GET = QueryDict(query)
        listing.method = "GET"
        return self.get_changelist_instance(listing)

    def list_parameters(self, request) -> set[str]:
        """The query parameters this list takes: its filters', its search (if it has one), its ordering."""
        cl = self._saved_filter_changelist(request, "")
        names = {name for spec in cl.filter_specs for name in spec.expected_parameters()} | {ORDER}
        if cl.date_hierarchy:
            names |= {f"{cl.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        if self.get_search_fields(request):
            names.add(SEARCH)
        return names

    def check_list_query(self, request, query: str) -> None:
        """The list opens with this (clean) query: its filter values are ones it takes."""
        try:
            self._saved_filter_changelist(request, query)
        except (IncorrectLookupParameters, SuspiciousOperation, ValidationError, ValueError):
            raise ValidationError({"query": ["A filter value this list does not take."]}) from None

    # -- the changelist's panel -------------------------------------------------------------
    def saved_filters_context(self, request) -> dict:
        actor = self.saved_filter_actor(request)
        if actor is None or request.method != "GET":
            return {}
        try:
            current = urlencode(view_pairs(request.META.get("QUERY_STRING", "")))
        except ValidationError:  # more parameters than a view has: nothing to mark or save
            current = ""
        rows = []
        for saved in SavedFilter.visible_to(actor, self.changelist_key()):
            rows.append({"id": saved.pk, "name": saved.name, "shared": saved.shared, "query": saved.query,
                         "mine": saved.owner_id == actor.person_id, "active": saved.query == current,
                         "may_delete": saved.may_delete(actor),
                         "delete_url": self._saved_filter_url("saved_filter_delete", saved.pk)})
        return {"saved_filters": rows, "saved_filter_query": current,
                "saved_filter_save_url": self._saved_filter_url("saved_filter_save")}

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), **self.saved_filters_context(request)}
        return super().changelist_view(request, extra_context)

    # -- save and delete ----------------------------------------------------------------------
    def _saved_filter_back(self, query: str = "") -> HttpResponseRedirect:
        try:
            query = urlencode(view_pairs(query))
        except ValidationError:
            query = ""
        return HttpResponseRedirect(self._saved_filter_url("changelist") + (f"?{query}" if query else ""))

    def _saved_filter_actor_or_403(self, request):
        actor = self.saved_filter_actor(request)
        if actor is None or not self.has_view_permission(request):
            raise PermissionDenied
        return actor

    def saved_filter_save_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = self._saved_filter_actor_or_403(request)
        query = request.POST.get("query", "")
        try:
            accepted = self.list_parameters(request)
            self.check_list_query(request, clean_query(query, accepted=accepted))
            saved = saved_filter_create(actor=actor, changelist=self.changelist_key(), name=request.POST.get("name", ""),
                                        query=query, accepted=accepted,
                                        shared=request.POST.get("shared") in ("on", "1", "true"))
        except ValidationError as exc:
            self.message_user(request, "Filter not saved: " + "; ".join(exc.messages), messages.ERROR)
            return self._saved_filter_back(query if len(query) <= QUERY_MAX else "")
        self.message_user(request, f"Saved “{saved.name}”.", messages.SUCCESS)
        return self._saved_filter_back(saved.query)

    def saved_filter_delete_view(self, request, filter_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = self._saved_filter_actor_or_403(request)
        saved = SavedFilter.visible_to(actor, self.changelist_key()).filter(pk=filter_id).first()
        if saved is None:
            raise Http404("No such saved filter.")
        try:
            saved_filter_delete(actor=actor, saved_filter=saved)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        else:
            self.message_user(request, f"Deleted the saved filter “{saved.name}”.", messages.SUCCESS)
        back = request.POST.get("query", "")
        return self._saved_filter_back(back if len(back) <= QUERY_MAX else "")
