"""Page routes of the ingest area: the case page with its mosaics and upload form."""

from django.urls import URLPattern, URLResolver, path

from .views import case_pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/", case_pages.case_detail, name="case-detail"),
]
