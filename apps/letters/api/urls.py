from apps.core.api.routers import OptionalSlashRouter

from .views import LetterTemplateViewSet, LetterViewSet

router = OptionalSlashRouter()
router.register("templates", LetterTemplateViewSet, basename="letter-template")
router.register("letters", LetterViewSet, basename="letter")
urlpatterns = router.urls
