"""Routes under /api/."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("centers", views.CenterViewSet, basename="center")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("cases", views.CaseViewSet, basename="case")
router.register("mosaics", views.MosaicViewSet, basename="mosaic")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
