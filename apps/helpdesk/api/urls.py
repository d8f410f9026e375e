from apps.core.api.routers import OptionalSlashRouter

from .views import SLAPolicyViewSet, TicketViewSet

router = OptionalSlashRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("sla-policies", SLAPolicyViewSet, basename="sla-policy")
urlpatterns = router.urls
