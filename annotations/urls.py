"""Page routes (the API lives in ``annotations.api.urls``)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import pages

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", pages.project_list, name="project-list"),
    path("projects/<slug:slug>/", pages.case_list, name="case-list"),
    path("", include("annotations.ingest_page_urls")),
    path("", include("annotations.tiles_page_urls")),
    path("", include("annotations.reading_page_urls")),
]
