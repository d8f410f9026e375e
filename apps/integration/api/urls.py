from apps.core.api.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("connectors", views.ConnectorViewSet, basename="connector")
router.register("api-keys", views.IntegrationApiKeyViewSet, basename="api-key")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
router.register("systems", views.AccessSystemViewSet, basename="access-system")
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")
router.register("drift-findings", views.DriftFindingViewSet, basename="drift-finding")
urlpatterns = router.urls
