from apps.core.api.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("access-requests", views.AccessRequestViewSet, basename="access-request")
router.register("hr-requests", views.HRRequestViewSet, basename="hr-request")
router.register("pending", views.PendingViewSet, basename="pending")
router.register("equipment", views.EquipmentViewSet, basename="equipment")
router.register("travel", views.TravelViewSet, basename="travel")
urlpatterns = router.urls
