from django.contrib import admin
from django.db.models import Count

from apps.core.admin_base import TenantAdmin
from apps.core.admin_inlines import TenantTabularInline
from apps.core.rendering import render_markdown

from .models import Policy, PolicyAcknowledgement, PolicyVersion


class VersionInline(TenantTabularInline):
    model = PolicyVersion
    fields = ("version", "name", "published_at", "created_by")
    readonly_fields = fields
    per_page = 20


class AcknowledgementInline(TenantTabularInline):
    model = PolicyAcknowledgement
    fields = ("version", "person_id", "acknowledged_at")
    readonly_fields = fields
    per_page = 20


@admin.register(Policy)
class PolicyAdmin(TenantAdmin):
    list_display = ("name", "status", "category", "version", "owner_id", "next_review_at", "acknowledgements")
    list_filter = ("status", "category")
    search_fields = ("name", "description", "body")
    inlines = [VersionInline, AcknowledgementInline]

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
