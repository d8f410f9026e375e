"""Identity changes (Platform → Identity changes): read-only, with one action — another admin confirms
a change, after which it no longer holds back decisions (apps.core.identity_services)."""
from django.contrib import admin, messages
from unfold.admin import ModelAdmin

from .admin_scope import NotFoundOutsideScope, is_unbound_superuser, principal_for
from .exceptions import DomainError
from .identity_changes import IdentityChange
from .identity_services import identity_change_confirm


@admin.register(IdentityChange)
class IdentityChangeAdmin(NotFoundOutsideScope, ModelAdmin):
    list_display = ("created_at", "kind", "subject_id", "changed_by", "on_behalf_of", "detail", "confirmed_by",
                    "confirmed_at")
    list_filter = ("kind",)
    readonly_fields = list_display
    fields = ("tenant", *list_display)
    actions = ("confirm",)

    def _tenant(self, request) -> str | None:
        membership = getattr(request.user, "membership", None)
        return membership.tenant_id if membership is not None and "admin" in (membership.roles or []) else None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_unbound_superuser(request):
            return qs
        tenant = self._tenant(request)
        return qs.filter(tenant_id=tenant) if tenant else qs.none()

    def _may(self, request) -> bool:
        return is_unbound_superuser(request) or self._tenant(request) is not None

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)  # the confirm action; every field is read-only

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Confirm the selected changes (as a second admin)")
    def confirm(self, request, queryset):
        done = 0
        for change in queryset:
            actor = principal_for(request, change, tenant_id=change.tenant_id)
            try:
                identity_change_confirm(actor=actor, obj=change)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{change}: {exc.detail}", messages.ERROR)
        if done:
            self.message_user(request, f"Confirmed {done} change(s).", messages.SUCCESS)
