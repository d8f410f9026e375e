from apps.core.api.routers import OptionalSlashRouter

from .views import ReviewCampaignViewSet, ReviewItemViewSet

router = OptionalSlashRouter()
router.register("campaigns", ReviewCampaignViewSet, basename="review-campaign")
router.register("items", ReviewItemViewSet, basename="review-item")
urlpatterns = router.urls
