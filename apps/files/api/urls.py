from apps.core.api.routers import OptionalSlashRouter

from .views import AttachmentViewSet

router = OptionalSlashRouter()
router.register("attachments", AttachmentViewSet, basename="attachment")
urlpatterns = router.urls
