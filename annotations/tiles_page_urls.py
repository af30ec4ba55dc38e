"""Page routes of the tiles area."""

from django.urls import URLPattern, URLResolver, path

from .views import viewer_pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("mosaics/<int:mosaic_id>/", viewer_pages.mosaic_viewer, name="mosaic-viewer"),
]
