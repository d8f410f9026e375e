from apps.core.api.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("offboarding-cases", views.OffboardingCaseViewSet, basename="offboarding-case")
router.register("offboarding-items", views.OffboardingItemViewSet, basename="offboarding-item")
router.register("planned-leaves", views.PlannedLeaveViewSet, basename="planned-leave")
router.register("birthright-rules", views.BirthrightRuleViewSet, basename="birthright-rule")
router.register("scheduled-revokes", views.ScheduledRevokeViewSet, basename="scheduled-revoke")
router.register("settings", views.LifecycleSettingsViewSet, basename="lifecycle-settings")
urlpatterns = router.urls
