"""Admin pages of the directory: people, groups (teams), SCIM tokens and the tenant's directory settings.
Writes run the directory's named actions (the maps in apps/directory/actions.py)."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from apps.core.admin_base import TenantAdmin
from apps.core.admin_scope import is_unbound_superuser, principal_for
from apps.core.exceptions import DomainError

from . import services as directory
from .actions import DIRECTORY_SETTINGS_ACTIONS, GROUP_ACTIONS, PERSON_ACTIONS, SCIM_TOKEN_ACTIONS
from .models import DirectorySettings, Group, Person, ScimToken


class AdminsOnly:
    """Pages only the tenant's admins see at all (tokens, settings)."""

    def has_module_permission(self, request):
        if is_unbound_superuser(request):
            return True
        actor = principal_for(request)
        return actor is not None and actor.has_role()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)  # not only out of the sidebar: a 403 by URL too


@admin.register(Person)
class PersonAdmin(TenantAdmin):
    record_actions = PERSON_ACTIONS
    list_display = ("display_name", "email", "title", "department", "location", "manager", "active")
    list_filter = ("active", "department", "location")
    search_fields = ("id__exact", "display_name", "user_name", "email", "external_id")
    list_select_related = ("manager",)
    fields = ("user_name", "display_name", "given_name", "family_name", "email", "title", "department",
              "location", "employee_number", "manager", "active", "external_id")
    actions = ["deactivate"]

    def delete_model(self, request, obj):
        directory.person_delete(actor=principal_for(request, obj), obj=obj)

    @admin.action(description="Deactivate selected people (their records stay as they are)")
    def deactivate(self, request, queryset):
        done = 0
        for person in queryset:
            try:
                directory.person_deactivate(actor=principal_for(request, person), obj=person)
                done += 1
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{person}: {exc}", messages.ERROR)
        self.message_user(request, f"{done} deactivated; nothing was reassigned.", messages.SUCCESS)


@admin.register(Group)
class GroupAdmin(TenantAdmin):
    record_actions = GROUP_ACTIONS
    list_display = ("display_name", "id", "external_id", "source")
    search_fields = ("id__exact", "display_name", "external_id")
    fields = ("display_name", "external_id", "members")

    def save_through_service(self, request, form, change):
        """As TenantAdmin's, plus the members chosen in the form (a many-to-many the base leaves out)."""
        obj = form.instance
        actor = self.service_actor(request, form, change)
        if actor is None:
            return None
        data = {name: form.cleaned_data[name] for name in ("display_name", "external_id") if name in form.cleaned_data}
        members = [p.pk for p in form.cleaned_data.get("members") or ()]
        if not change:
            return directory.group_create(actor=actor, data=data, member_ids=members)
        return directory.group_update(actor=actor, obj=obj, data=data,
                                      replace=members if "members" in form.changed_data else None)

    def delete_model(self, request, obj):
        directory.group_delete(actor=principal_for(request, obj), obj=obj)


@admin.register(ScimToken)
class ScimTokenAdmin(AdminsOnly, TenantAdmin):
    """The identity provider's SCIM client sends one of these; the raw token is shown once, after creating it."""

    record_actions = SCIM_TOKEN_ACTIONS
    list_display = ("name", "prefix", "revoked", "expires_at", "last_used_at", "created_at")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix")
    fields = ("name", "expires_at", "revoked", "prefix", "last_used_at")
    readonly_fields = ("prefix", "last_used_at")

    def one_time_secret(self, saved):
        raw = getattr(saved, "raw_token", None)
        return ("SCIM bearer token", raw) if raw else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(request, f"SCIM base URL: {request.build_absolute_uri('/scim/v2/')}", messages.INFO)


@admin.register(DirectorySettings)
class DirectorySettingsAdmin(AdminsOnly, TenantAdmin):
    record_actions = DIRECTORY_SETTINGS_ACTIONS
    list_display = ("tenant_id", "strict", "updated_at", "updated_by")
    fields = ("strict",)

