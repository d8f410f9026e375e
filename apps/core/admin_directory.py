"""Admin pages of the directory: people, groups (teams), SCIM tokens and the tenant's directory settings."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from . import directory_services as directory
from .admin_base import TenantAdmin, is_unbound_superuser, principal_for
from .admin_forms import check_choices_of_one_tenant
from .directory import DirectorySettings, Group, Person, ScimToken
from .exceptions import DomainError


class DirectoryAdmin(TenantAdmin):
    """Writes through the directory services (`create(actor, data, form)` / `update(actor, obj, data, form)`)."""

    admins_only = False  # pages only the tenant's admins see at all (tokens, settings)

    def has_module_permission(self, request):
        if not self.admins_only or is_unbound_superuser(request):
            return super().has_module_permission(request)
        actor = principal_for(request)
        return actor is not None and actor.has_role()

    def save_through_service(self, request, form, change):
        obj = form.instance
        chosen = form.cleaned_data.get("tenant") if self.chooses_tenant(request, obj if change else None) else None
        actor = principal_for(request, obj if change else None, tenant_id=chosen.pk if chosen else None)
        if actor is None:
            raise PermissionDenied
        if is_unbound_superuser(request):
            check_choices_of_one_tenant(form, actor.tenant_id)
            if form.errors:
                return None
        names = [f.name for f in self.model._meta.concrete_fields if f.name in form.cleaned_data]
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in names}
            return self.update(actor, obj, data, form)
        return self.create(actor, {name: form.cleaned_data[name] for name in names}, form)

    def create(self, actor, data, form):
        raise NotImplementedError

    def update(self, actor, obj, data, form):
        raise NotImplementedError


@admin.register(Person)
class PersonAdmin(DirectoryAdmin):
    list_display = ("display_name", "email", "title", "department", "manager", "active")
    list_filter = ("active", "department")
    search_fields = ("id", "display_name", "user_name", "email", "external_id")
    list_select_related = ("manager",)
    fields = ("user_name", "display_name", "given_name", "family_name", "email", "title", "department",
              "employee_number", "manager", "active", "external_id")
    actions = ["deactivate"]

    def create(self, actor, data, form):
        return directory.person_create(actor=actor, data=data)

    def update(self, actor, obj, data, form):
        return directory.person_update(actor=actor, obj=obj, data=data)

    def delete_model(self, request, obj):
        directory.person_delete(actor=principal_for(request, obj), obj=obj)

    @admin.action(description="Deactivate selected people (their records stay as they are)")
    def deactivate(self, request, queryset):
        for person in queryset:
            try:
                directory.person_deactivate(actor=principal_for(request, person), obj=person)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{person}: {exc}", messages.ERROR)
        self.message_user(request, f"{len(queryset)} deactivated; nothing was reassigned.", messages.SUCCESS)


@admin.register(Group)
class GroupAdmin(DirectoryAdmin):
    list_display = ("display_name", "id", "external_id", "source")
    search_fields = ("id", "display_name", "external_id")
    fields = ("display_name", "external_id", "members")
    filter_horizontal = ("members",)

    def create(self, actor, data, form):
        members = [p.pk for p in form.cleaned_data.get("members") or ()]
        return directory.group_create(actor=actor, data=data, member_ids=members)

    def update(self, actor, obj, data, form):
        replace = [p.pk for p in form.cleaned_data.get("members") or ()] if "members" in form.changed_data else None
        return directory.group_update(actor=actor, obj=obj, data=data, replace=replace)

    def delete_model(self, request, obj):
        directory.group_delete(actor=principal_for(request, obj), obj=obj)


@admin.register(ScimToken)
class ScimTokenAdmin(DirectoryAdmin):
    """The identity provider's SCIM client sends one of these; the raw token is shown once, after creating it."""

    admins_only = True
    list_display = ("name", "prefix", "revoked", "expires_at", "last_used_at", "created_at")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix")
    fields = ("name", "expires_at", "revoked", "prefix", "last_used_at")
    readonly_fields = ("prefix", "last_used_at")

    def create(self, actor, data, form):
        return directory.scim_token_create(actor=actor, data=data)

    def update(self, actor, obj, data, form):
        from . import services

        return services.record_update(actor=actor, obj=obj, data=data)

    def one_time_secret(self, saved):
        raw = getattr(saved, "raw_token", None)
        return ("SCIM bearer token", raw) if raw else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(request, f"SCIM base URL: {request.build_absolute_uri('/scim/v2/')}", messages.INFO)


@admin.register(DirectorySettings)
class DirectorySettingsAdmin(DirectoryAdmin):
    admins_only = True
    list_display = ("tenant_id", "strict", "updated_at", "updated_by")
    fields = ("strict",)

    def has_add_permission(self, request):
        actor = principal_for(request)
        exists = actor is not None and DirectorySettings.objects.filter(tenant_id=actor.tenant_id).exists()
        return super().has_add_permission(request) and not exists

    def create(self, actor, data, form):
        return directory.directory_settings_set(actor=actor, strict=data.get("strict", False))

    def update(self, actor, obj, data, form):
        return directory.directory_settings_set(actor=actor, strict=data.get("strict", obj.strict))
