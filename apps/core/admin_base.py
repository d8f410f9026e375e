"""Admin base: TenantAdmin, every tenant model's admin, composed of one mixin per concern (scoping
admin_scope, permissions admin_permissions, forms and writes admin_writes, transitions and bulk
actions admin_transitions, CSV export admin_export); TenantLogAdmin for read-only tenant logs."""
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured
from django.db.models import JSONField
from django.http import Http404, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextareaWidget

from .actions import Actions
from .admin_panels import record_panels
from .admin_permissions import RolePermissionsMixin
from .admin_saved_filters import SavedFiltersMixin
from .admin_scale import AtScale, scale_safe_filters
from .admin_scope import NotFoundOutsideScope, TenantScopeMixin, is_unbound_superuser, principal_for
from .admin_transitions import TYPED, TransitionsMixin
from .admin_values import json_fields, words_column, words_name
from .admin_words import column_name, label_history, person_column, person_fields, search_people, words_changelist
from .admin_writes import ONE_TIME_SECRET, FormWritesMixin
from .fsm import state_field
from .models import TenantModel
from .people import people_changelist
from .waiting import waiting_of

# The record's envelope, read-only here: every field the base declares but `tags`, which staff edit
# (the stamps, STAMPED_FIELDS, and `source`, the system a record came from).
AUDIT_FIELDS = tuple(f.name for f in TenantModel._meta.local_fields if f.name != "tags")


class TenantAdmin(TenantScopeMixin, RolePermissionsMixin, FormWritesMixin, TransitionsMixin, AtScale,
                  NotFoundOutsideScope, SavedFiltersMixin, SimpleHistoryAdmin, ModelAdmin):
    """Base for every tenant model's admin. Staff see their tenant's rows only. Writes run the model's
    named actions, `record_actions` (apps/<domain>/actions.py; the generic record services when the
    model has none of its own)."""

    record_actions: Actions | None = None
    list_per_page = 50
    change_form_template = "admin/core/change_form.html"
    object_history_list_template = "admin/core/object_history_list.html"
    # The change page says what the record waits for and on whom (apps/core/waiting.py).
    shows_waiting = True
    audit_fields = AUDIT_FIELDS
    # {"Section title": fields}: fields staff rarely need, in collapsed sections after the record's own.
    collapsed_sections: dict[str, tuple[str, ...]] = {}
    # JSON values here are short lists and maps: a three-line box, not unfold's default tall one.
    formfield_overrides = {**ModelAdmin.formfield_overrides,
                           JSONField: {"widget": UnfoldAdminTextareaWidget(attrs={"rows": 3})}}

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.record_actions is None:
            self.record_actions = Actions(model)
        elif self.record_actions.model is not model:
            raise ImproperlyConfigured(f"{type(self).__name__}.record_actions is the map of "
                                       f"{self.record_actions.model.__name__}, not of {model.__name__}")
        for field in person_fields(model):  # person fields read as people: list columns, read-only fields
            setattr(self, column_name(field), person_column(model, field))
        for field in json_fields(model):  # JSON values read as words where they are read-only
            if not hasattr(self, words_name(field)):  # an admin may say it its own way
                setattr(self, words_name(field), words_column(model, field))

    def get_ordering(self, request):
        """The admin's order, else the model's, else newest first. Record pickers page through this
        admin's rows (Django's autocomplete orders them by `get_ordering` only); without an order a
        picker's "load more" repeats some rows and skips others."""
        return super().get_ordering(request) or self.model._meta.ordering or ("-pk",)

    def get_changelist(self, request, **kwargs):
        return words_changelist(self.model)

    def get_search_results(self, request, queryset, search_term):
        """The admin's search, and the rows naming a person the term matches ("Mustermann")."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not self.search_fields or not search_term:
            return found, may_have_duplicates
        principal = None if is_unbound_superuser(request) else principal_for(request)
        named = search_people(queryset, self.model, search_term, principal.tenant_id if principal else None)
        return (found if named is None else found | named), may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record in your tenant.")  # never a redirect that confirms it exists
        typed = request.session.get(TYPED)
        if typed and typed.get("pk") == obj.pk and request.method == "GET":
            setattr(request, TYPED, request.session.pop(TYPED))
        actor = principal_for(request, obj)
        waiting = waiting_of(actor=actor, obj=obj) if actor and self.shows_waiting and state_field(type(obj)) else None
        extra_context["waiting"] = waiting
        extra_context["fsm_transitions"] = transitions = self.allowed_transitions(request, obj, waiting)
        extra_context["fsm_reasoned"] = " or ".join(t["label"].lower() for t in transitions if t["reason"])
        extra_context["fsm_typed_comment"] = next((t["comment"] for t in transitions if t["comment"]), "")
        extra_context["object_buttons"] = self.object_buttons(request, obj)
        extra_context["record_panels"] = record_panels(request, obj, actor)
        extra_context["transition_url_name"] = (
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_transition"
        )
        secret = request.session.get(ONE_TIME_SECRET)
        if secret and secret.get("pk") == obj.pk and request.method == "GET":
            extra_context["one_time_secret"] = request.session.pop(ONE_TIME_SECRET)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if panels := context.get("record_panels"):  # a panel's picker needs select2 as the form's does
            context["media"] = context["media"] + panels.media
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record in your tenant.")
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])  # a revert would write around the services
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        label_history(historical_records, self.model)

    def revert_disabled(self, request, obj=None):
        return True


class TenantLogAdmin(AtScale, NotFoundOutsideScope, ModelAdmin):
    """Read-only logs with a `tenant_id` (outbox events, webhook deliveries): tenant admins only,
    as they name what happens to every record of the tenant."""

    # Columns naming a person (`recipient_id`, `actor_id`): shown by name, the page labelled in one query.
    person_columns: tuple[str, ...] = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for field in self.person_columns:
            setattr(self, column_name(field), person_column(model, field))

    def get_changelist(self, request, **kwargs):
        return people_changelist(*self.person_columns) if self.person_columns else super().get_changelist(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_unbound_superuser(request):
            return qs
        principal = principal_for(request)
        return qs.filter(tenant_id=principal.tenant_id) if principal and principal.has_role() else qs.none()

    def get_list_display(self, request):
        columns = [column_name(c) if c in self.person_columns else c for c in super().get_list_display(request)]
        return [columns[0], "tenant_id", *columns[1:]] if is_unbound_superuser(request) else columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return scale_safe_filters(self.model, ["tenant_id", *filters] if is_unbound_superuser(request) else filters)

    def has_module_permission(self, request):
        principal = principal_for(request)
        return is_unbound_superuser(request) or bool(principal and principal.has_role())

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

