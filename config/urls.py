from django.contrib import admin
from django.db import transaction
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.admin_people import people_autocomplete, principals_autocomplete
from apps.core.views import favicon, healthz, readyz
from apps.ops.metrics import metrics

# Served without a database transaction: they never touch the database.
schema_view = transaction.non_atomic_requests(SpectacularAPIView.as_view())
docs_view = transaction.non_atomic_requests(SpectacularSwaggerView.as_view(url_name="schema"))

# The API first: its requests are most of the traffic, and each pattern before it is tried in vain.
api_v1 = [
    path("api/v1/helpdesk/", include("apps.helpdesk.api.urls")),
    path("api/v1/operations/", include("apps.operations.api.urls")),
    path("api/v1/approvals/", include("apps.approvals.api.urls")),
    path("api/v1/", include("apps.policies.api.urls")),
    path("api/v1/integration/", include("apps.integration.api.urls")),
    path("api/v1/files/", include("apps.files.api.urls")),
    path("api/v1/letters/", include("apps.letters.api.urls")),
    path("api/v1/lifecycle/", include("apps.lifecycle.api.urls")),
    path("api/v1/reviews/", include("apps.reviews.api.urls")),
    path("api/v1/schema", schema_view, name="schema"),
    path("api/v1/schema/", schema_view),
    path("api/v1/docs", docs_view, name="docs"),
    path("api/v1/docs/", docs_view),
]

urlpatterns = [
    *api_v1,
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/people/autocomplete/", admin.site.admin_view(people_autocomplete), name="admin-people-autocomplete"),
    path("admin/principals/autocomplete/", admin.site.admin_view(principals_autocomplete),
         name="admin-principals-autocomplete"),
    # the directory's pages were core's: old links and bookmarks land on the same page
    re_path(r"^admin/core/(?P<model>person|group|scimtoken|directorysettings)/(?P<rest>.*)$",
            transaction.non_atomic_requests(RedirectView.as_view(url="/admin/directory/%(model)s/%(rest)s",
                                                                 permanent=True, query_string=True))),
    path("admin/", admin.site.urls),
    path("oidc/", include("apps.signin.urls")),
    path("scim/v2/", include("apps.directory.scim.urls", namespace="scim")),  # SCIM 2.0 provisioning (per-tenant token)
    path("notifications/", include("apps.notifications.urls")),
    path("files/", include("apps.files.urls")),
    path("portal/", include("apps.portal.urls")),
    path("healthz", transaction.non_atomic_requests(healthz)),
    path("readyz", transaction.non_atomic_requests(readyz)),
    path("metrics", transaction.non_atomic_requests(metrics)),
    path("favicon.ico", transaction.non_atomic_requests(favicon)),
]

handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"
