from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import AccessRequestViewSet, TicketViewSet

router = DefaultRouter(trailing_slash=False)  # the project's paths have no trailing slash
router.register("helpdesk/tickets", TicketViewSet, basename="ticket")
router.register("operations/access-requests", AccessRequestViewSet, basename="access-request")

urlpatterns = [path("api/v1/", include(router.urls))]
