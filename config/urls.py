"""Top-level routes: pages, the API and its schema, the admin and the health check.

The API docs (Swagger UI, Redoc) load only the platform's own static files
(drf-spectacular-sidecar; see SPECTACULAR_SETTINGS), so they work offline, and
run under the Content-Security-Policy (CONTENT_SECURITY_POLICY): no inline script;
Swagger UI's page styles carry a nonce; Redoc, which writes its styles at run time,
is the one page allowed inline styles.
"""

from typing import Any

from csp.constants import NONCE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from annotations.views.health import healthz


class FaviconRedirect(RedirectView):
    """The static icon (its hashed name in production, resolved per request, after collectstatic)."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("favicon.ico")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        csp_update({"style-src": [NONCE]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="annotations/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        # Replaced, not added to: next to a hash or nonce, browsers ignore 'unsafe-inline'.
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema", template_name="annotations/redoc.html")
        ),
        name="api-redoc",
    ),
    path("api/", include("training.api.urls")),
    path("api/", include("annotations.api.urls")),
    path("healthz", healthz, name="healthz"),
    # Pages link the icon (base.html); this answers what browsers ask for on pages that do not (admin, API).
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("", include("training.urls")),
    path("", include("annotations.urls")),
]
