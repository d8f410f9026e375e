"""A throwaway admin site: one healthy ModelAdmin and one that crashes, to prove the matrix notices."""
from django.contrib import admin
from django.urls import path
from unfold.sites import UnfoldAdminSite

from apps.core.admin_base import TenantAdmin
from apps.helpdesk.models import SLAPolicy, Ticket

site = UnfoldAdminSite(name="throwaway")


class HealthyPolicyAdmin(TenantAdmin):
    list_display = ("name", "priority")


class CrashingTicketAdmin(TenantAdmin):
    list_display = ("number", "explode")

    @admin.display(description="Explodes")
    def explode(self, obj):
        raise RuntimeError("a column that crashes")


site.register(SLAPolicy, HealthyPolicyAdmin)
site.register(Ticket, CrashingTicketAdmin)

urlpatterns = [path("throwaway/", site.urls), path("admin/", admin.site.urls)]
