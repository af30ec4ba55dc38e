"""Page routes, all of them (the API lives in ``annotations.api.urls``)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, path

from .views import case_pages, dashboard_pages, pages, reading_pages, viewer_pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", pages.project_list, name="project-list"),
    path("projects/<slug:slug>/", pages.case_list, name="case-list"),
    # The lead's dashboard: progress, assignment, agreement, calibration, coverage, label sets.
    path("projects/<slug:slug>/dashboard/", dashboard_pages.project_dashboard, name="project-dashboard"),
    # Ingest: the case page with its mosaics and upload form.
    path("cases/<int:case_id>/", case_pages.case_detail, name="case-detail"),
    # Tiles: the mosaic viewer.
    path("mosaics/<int:mosaic_id>/", viewer_pages.mosaic_viewer, name="mosaic-viewer"),
    # Reading: the worklist and the workspace.
    path("worklist/", reading_pages.worklist, name="worklist"),
    path("reads/<int:read_id>/", reading_pages.workspace, name="workspace"),
]
