from apps.core.api.routers import OptionalSlashRouter

from .views import ApprovalRequestViewSet, ApprovalStepViewSet

router = OptionalSlashRouter()
router.register("requests", ApprovalRequestViewSet, basename="approval-request")
router.register("steps", ApprovalStepViewSet, basename="approval-step")
urlpatterns = router.urls
