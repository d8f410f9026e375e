"""Inlines of tenant records: visible to whoever may see the parent (roles, not Django permissions)."""
from django.contrib.admin.options import BaseModelAdmin
from unfold.admin import StackedInline, TabularInline


class TenantInlineMixin:
    """Read-only by default: the parent's workflow (services) writes these rows."""

    extra = 0
    can_delete = False

    def _parent_admin(self):
        return self.admin_site._registry.get(self.parent_model)

    def get_queryset(self, request):
        """The rows, for whoever may see the parent's model. Django's InlineModelAdmin asks the inline's
        own view permission here without the parent, which this inline refuses (an add page has no
        rows): every inline's formset would be empty. The formset narrows the rows to the parent shown."""
        queryset = BaseModelAdmin.get_queryset(self, request)
        parent = self._parent_admin()
        return queryset if parent and parent.has_view_permission(request) else queryset.none()

    def has_view_permission(self, request, obj=None):
        if obj is None:  # an add page: the record has no rows yet, and a hidden formset would refuse the post
            return False
        parent = self._parent_admin()
        return bool(parent and parent.has_view_permission(request, obj))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TenantTabularInline(TenantInlineMixin, TabularInline):
    pass


class TenantStackedInline(TenantInlineMixin, StackedInline):
    pass
