"""Routes under /api/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from audit.api import AuditEventListView
from users.api import TokenView

from . import views

router = DefaultRouter()
router.register("centers", views.CenterViewSet, basename="center")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("cases", views.CaseViewSet, basename="case")
router.register("mosaics", views.MosaicViewSet, basename="mosaic")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("audit/", AuditEventListView.as_view(), name="audit-list"),
    # Each area keeps its own routes; they come before the router so that nested
    # paths such as mosaics/{id}/dzi.dzi are not taken for a detail route.
    path("", include("annotations.api.ingest_urls")),
    path("", include("annotations.api.tiles_urls")),
    path("", include("annotations.api.reading_urls")),
    path("", include("annotations.api.lead_urls")),
    path("", include("inference.api.urls")),
    path("", include(router.urls)),
]
