from apps.core.api.routers import OptionalSlashRouter

from .views import AcknowledgementCampaignViewSet, PolicyViewSet

router = OptionalSlashRouter()
router.register("policies", PolicyViewSet, basename="policy")
router.register("acknowledgement-campaigns", AcknowledgementCampaignViewSet, basename="acknowledgement-campaign")
urlpatterns = router.urls
