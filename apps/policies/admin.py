import html

import markdown
from django.contrib import admin
from django.db.models import Count
from django.utils.safestring import mark_safe
from unfold.admin import TabularInline

from apps.core.admin_base import TenantAdmin

from .models import Policy, PolicyVersion


def render_markdown(text: str) -> str:
    """Markdown to HTML with any raw HTML in the source escaped first (no script ever runs)."""
    return mark_safe(markdown.markdown(html.escape(text or ""), extensions=["extra", "sane_lists"]))


class VersionInline(TabularInline):
    model = PolicyVersion
    fields = ("version", "name", "published_at", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(TenantAdmin):
    list_display = ("name", "category", "version", "status", "owner_id", "next_review_at", "acknowledgements")
    list_filter = ("status", "category")
    search_fields = ("name", "description", "body")
    inlines = [VersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ack_count=Count("acknowledgements"))

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "rendered_body", "version", "published_at")

    @admin.display(description="Acknowledgements", ordering="ack_count")
    def acknowledgements(self, obj):
        return obj.ack_count

    @admin.display(description="Body (rendered)")
    def rendered_body(self, obj):
        return render_markdown(obj.body)
