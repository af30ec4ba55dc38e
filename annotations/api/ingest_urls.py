"""API routes of the ingest area (included under /api/): uploads, whole or chunked."""

from django.urls import URLPattern, URLResolver, path

from . import ingest

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/mosaics/", ingest.CaseMosaicUploadView.as_view(), name="case-mosaic-upload"),
    path("cases/<int:case_id>/uploads/", ingest.CaseUploadCreateView.as_view(), name="case-upload-create"),
    path("uploads/<uuid:upload_id>/", ingest.UploadDetailView.as_view(), name="upload-detail"),
    path("uploads/<uuid:upload_id>/complete/", ingest.UploadCompleteView.as_view(), name="upload-complete"),
]
