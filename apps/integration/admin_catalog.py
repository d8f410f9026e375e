"""The access catalog in the admin: systems with their entitlements, owners and groups chosen by name.

An owner is a person or a group, chosen in one picker (the approval chain's, without its tokens);
its type follows the id (the service derives `owner_type`). The groups that auto-approve are
chosen among the tenant's groups by name. A system's connector is one of the tenant's connectors,
found by name in a picker that answers within the tenant (IT may pick a connector without the
connector admin, which is the tenant admin's).
"""
from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.widgets import UnfoldAdminAutocompleteWidget, UnfoldAdminMultipleAutocompleteWidget

from apps.approvals.admin_approvers import approver_labels, unknown_approvers
from apps.core.admin_base import TenantAdmin
from apps.core.admin_scope import is_unbound_superuser, narrow_choices_to_tenant, principal_for
from apps.core.admin_inlines import TenantTabularInline
from apps.core.admin_people import PRINCIPALS_URL, Labelled, PeopleField, directory_autocomplete, picker_attrs
from apps.core.admin_row_picker import RowPicker, rows_autocomplete
from apps.directory.models import Group

from .actions import ACCESS_SYSTEM_ACTIONS, ENTITLEMENT_ACTIONS
from .catalog_models import AccessSystem, Entitlement
from .models import Connector


# The groups that auto-approve: groups only, by name.
groups_autocomplete = directory_autocomplete(people=False, label_group=lambda g: g.display_name or g.pk)


class OwnerPicker(Labelled, UnfoldAdminAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None, url: str):
        super().__init__(picker_attrs(tenant_id, url=url, testid="owner-picker"))
        self.tenant_id = tenant_id

    def labels(self, chosen: list[str]) -> dict[str, str]:
        return approver_labels(self.tenant_id, chosen)


class GroupsPicker(Labelled, UnfoldAdminMultipleAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None, url: str):
        super().__init__(picker_attrs(tenant_id, url=url, testid="groups-picker"))
        self.tenant_id = tenant_id

    def labels(self, chosen: list[str]) -> dict[str, str]:
        if not self.tenant_id:
            return {}
        return dict(Group.objects.filter(tenant_id=self.tenant_id, pk__in=chosen).values_list("pk", "display_name"))


def _clean_owner(form):
    value = form.cleaned_data.get("owner_id") or None
    tenant_id = getattr(form, "picker_tenant_id", None)
    if value and tenant_id and value != form.initial.get("owner_id") and unknown_approvers(tenant_id, [value], []):
        raise forms.ValidationError(f"Not an active person or a group of this tenant: {value}.")
    return value


def _clean_groups(form):
    value = form.cleaned_data.get("auto_approve_group_ids") or []
    tenant_id = getattr(form, "picker_tenant_id", None)
    if tenant_id:
        known = set(Group.objects.filter(tenant_id=tenant_id, pk__in=value).values_list("pk", flat=True))
        if unknown := [v for v in value if v not in known]:
            raise forms.ValidationError(f"Not a group of this tenant: {', '.join(unknown)}.")
    return value


class CatalogAdmin(TenantAdmin):
    """Owner (and groups) pickers on the form; the owner's type follows the chosen id."""

    exclude = ("owner_type",)
    owner_help = ""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("groups/autocomplete/", self.admin_site.admin_view(groups_autocomplete), name="%s_%s_groups" % info),
                *super().get_urls()]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = principal_for(request, obj, tenant_id=request.GET.get("tenant") or None)
        tenant_id = actor.tenant_id if actor else None
        info = self.model._meta.app_label, self.model._meta.model_name
        attrs = {"picker_tenant_id": tenant_id}
        if "owner_id" in form.base_fields:
            attrs["owner_id"] = forms.CharField(
                required=False, label="Owner", help_text=self.owner_help, empty_value=None,
                widget=OwnerPicker(tenant_id=tenant_id, url=PRINCIPALS_URL))
            attrs["clean_owner_id"] = _clean_owner
        if "auto_approve_group_ids" in form.base_fields:
            attrs["auto_approve_group_ids"] = PeopleField(
                required=False, label="Auto-approved groups",
                help_text=Entitlement._meta.get_field("auto_approve_group_ids").help_text,
                widget=GroupsPicker(tenant_id=tenant_id, url=reverse("admin:%s_%s_groups" % info)))
            attrs["clean_auto_approve_group_ids"] = _clean_groups
        return narrow_choices_to_tenant(type(form.__name__, (form,), attrs), request, obj)

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)

        class OwnersChangeList(base):
            """Labels the page's owners in one go (per tenant), not one lookup per row."""

            def get_results(self, request):
                super().get_results(request)
                self.result_list = list(self.result_list)
                by_tenant: dict[str, set[str]] = {}
                for row in self.result_list:
                    by_tenant.setdefault(row.tenant_id, set()).update([row.owner_id] if row.owner_id else [])
                labels = {tenant: approver_labels(tenant, sorted(ids)) for tenant, ids in by_tenant.items()}
                for row in self.result_list:
                    row._owner_labels = labels[row.tenant_id]

        return OwnersChangeList

    @admin.display(description="Owner")
    def owner(self, obj):
        labels = getattr(obj, "_owner_labels", None) or approver_labels(obj.tenant_id, [obj.owner_id] if obj.owner_id else [])
        return labels.get(obj.owner_id, obj.owner_id) if obj.owner_id else "—"


class EntitlementInline(TenantTabularInline):
    model = Entitlement
    fields = ("entitlement", "kind", "risk", "is_requestable", "max_duration_days", "default_duration_days")
    readonly_fields = fields
    verbose_name_plural = "Entitlements (open one to change it)"
    ordering = ("name",)

    @admin.display(description="Entitlement")
    def entitlement(self, obj):
        url = reverse("admin:integration_entitlement_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)


def _entitlements_of_system():
    """The system's (undeleted) entitlements, counted in a subquery the database runs for the page's rows
    only (an index probe by system each); a join with GROUP BY would group every system of the tenant
    before the page's LIMIT."""
    counted = (Entitlement.objects.filter(tenant_id=OuterRef("tenant_id"), system=OuterRef("pk"))
               .order_by().values("system").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(AccessSystem)
class AccessSystemAdmin(CatalogAdmin):
    record_actions = ACCESS_SYSTEM_ACTIONS
    list_display = ("name", "connector", "owner", "is_active", "entitlement_count")
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    list_select_related = ("connector",)
    inlines = [EntitlementInline]
    owner_help = "A person or a group; approves as \"owner\" for entitlements without an owner of their own."

    def get_autocomplete_fields(self, request):
        return tuple(f for f in super().get_autocomplete_fields(request) if f != "connector")  # its own picker

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("connectors/autocomplete/", self.admin_site.admin_view(rows_autocomplete(self.pickable_connectors)),
                     name="%s_%s_connectors" % info),
                *super().get_urls()]

    def pickable_connectors(self, request, principal):
        """The connectors of the staff member's tenant, for whoever may write access systems."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            return None
        return Connector.objects.filter(tenant_id=principal.tenant_id).only("pk", "name").order_by("name", "pk")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if (field := form.base_fields.get("connector")) is not None:
            actor = principal_for(request, obj, tenant_id=request.GET.get("tenant") or None)
            field.widget = RowPicker(url=reverse("admin:integration_accesssystem_connectors"),
                                     tenant_id=actor.tenant_id if actor else None, testid="connector-picker")
            field.widget.choices = field.choices  # the tenant's connectors: the chosen one is labelled from them
        return form

    def related_choices(self, request, model):
        """The tenant's connectors (IT configures systems, admins the connectors: IT sees them all here)."""
        principal = principal_for(request)
        if model is Connector and principal is not None and not is_unbound_superuser(request):
            return Connector.objects.filter(tenant_id=principal.tenant_id).order_by("name")
        return super().related_choices(request, model)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entitlements=_entitlements_of_system())

    # Not sortable: a sort by the count would count every system of the tenant before the page's first row.
    @admin.display(description="Entitlements")
    def entitlement_count(self, obj):
        return getattr(obj, "_entitlements", None)


@admin.register(Entitlement)
class EntitlementAdmin(CatalogAdmin):
    record_actions = ENTITLEMENT_ACTIONS
    list_display = ("name", "system", "kind", "risk", "owner", "is_requestable", "max_duration_days", "approval_chain")
    list_filter = ("risk", "kind", "is_requestable", "system")
    search_fields = ("name", "description", "target_ref")
    list_select_related = ("system", "approval_chain")
    # Grouped by system, by name within one: the tenant's (tenant_id, system_id, name) index serves it. The
    # model's order (by the system's name) is a join that sorts the tenant's every entitlement for a page.
    ordering = ("system_id", "name", "id")
    owner_help = "A person or a group; empty: the system's owner."
