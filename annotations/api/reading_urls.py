"""API routes of the reading area (included under /api/; the contract is the schema at /api/schema/)."""

from django.urls import URLPattern, URLResolver, path

from . import reading

urlpatterns: list[URLPattern | URLResolver] = [
    path("vocabulary/", reading.VocabularyView.as_view(), name="vocabulary"),
    path("mosaics/<int:mosaic_id>/assign/", reading.MosaicAssignView.as_view(), name="mosaic-assign"),
    path("mosaics/<int:mosaic_id>/reads/", reading.MosaicReadsView.as_view(), name="mosaic-reads"),
    path("reads/", reading.ReadListView.as_view(), name="read-list"),
    path("reads/<int:read_id>/", reading.ReadDetailView.as_view(), name="read-detail"),
    path("reads/<int:read_id>/regions/", reading.ReadRegionsView.as_view(), name="read-regions"),
    path("reads/<int:read_id>/erase/", reading.ReadEraseView.as_view(), name="read-erase"),
    path("reads/<int:read_id>/submit/", reading.ReadSubmitView.as_view(), name="read-submit"),
    path("reads/<int:read_id>/history/", reading.ReadHistoryView.as_view(), name="read-history"),
    path("reads/<int:read_id>/history/<int:number>/", reading.ReadRevisionView.as_view(), name="read-revision"),
    path(
        "reads/<int:read_id>/history/<int:number>/restore/", reading.ReadRestoreView.as_view(), name="read-restore"
    ),
    path("reads/<int:read_id>/geojson", reading.ReadGeoJSONView.as_view(), name="read-geojson"),
    path("regions/<int:region_id>/", reading.RegionDetailView.as_view(), name="region-detail"),
]
