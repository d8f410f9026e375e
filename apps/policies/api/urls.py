from apps.core.api.routers import OptionalSlashRouter

from .views import AcknowledgementCampaignViewSet, PolicyViewSet

router = OptionalSlashRouter()
# Before "policies": its `policies/{pk}` would otherwise take `policies/acknowledgement-campaigns`.
router.register("policies/acknowledgement-campaigns", AcknowledgementCampaignViewSet, basename="acknowledgement-campaign")
router.register("policies", PolicyViewSet, basename="policy")
urlpatterns = router.urls
