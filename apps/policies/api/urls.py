from apps.core.api.routers import OptionalSlashRouter

from .views import PolicyViewSet

router = OptionalSlashRouter()
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = router.urls
