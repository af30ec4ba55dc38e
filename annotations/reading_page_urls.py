"""Page routes of the reading area: the worklist and the workspace."""

from django.urls import URLPattern, URLResolver, path

from .views import reading_pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("worklist/", reading_pages.worklist, name="worklist"),
    path("reads/<int:read_id>/", reading_pages.workspace, name="workspace"),
]
