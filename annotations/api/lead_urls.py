"""API routes of the lead's areas (issue 8): agreement, adjudication, label sets, dashboard, coverage."""

from django.urls import URLPattern, URLResolver, path

from . import adjudication, agreement, coverage, dashboard, labelsets

urlpatterns: list[URLPattern | URLResolver] = [
    path("projects/<slug:slug>/agreement/", agreement.ProjectAgreementView.as_view(), name="project-agreement"),
    path("projects/<slug:slug>/calibration/", agreement.ProjectCalibrationView.as_view(), name="project-calibration"),
    path("mosaics/<int:mosaic_id>/agreement/", agreement.MosaicAgreementView.as_view(), name="mosaic-agreement"),
    path("mosaics/<int:mosaic_id>/consensus/", adjudication.MosaicConsensusView.as_view(), name="mosaic-consensus"),
    path(
        "mosaics/<int:mosaic_id>/third-reader/",
        adjudication.MosaicThirdReaderView.as_view(),
        name="mosaic-third-reader",
    ),
    path("reads/<int:read_id>/adjudication/", adjudication.AdjudicationView.as_view(), name="read-adjudication"),
    path("reads/<int:read_id>/coverage/", coverage.ReadCoverageView.as_view(), name="read-coverage"),
    path("projects/<slug:slug>/assignment/", dashboard.ProjectAssignmentView.as_view(), name="project-assignment"),
    path("projects/<slug:slug>/progress/", dashboard.ProjectProgressView.as_view(), name="project-progress"),
    path("projects/<slug:slug>/labelsets/", labelsets.ProjectLabelSetsView.as_view(), name="project-labelsets"),
    path("labelsets/<int:labelset_id>/", labelsets.LabelSetDetailView.as_view(), name="labelset-detail"),
    path("labelsets/<int:labelset_id>/verify/", labelsets.LabelSetVerifyView.as_view(), name="labelset-verify"),
    path("labelsets/<int:labelset_id>/files/<path:path>", labelsets.LabelSetFileView.as_view(), name="labelset-file"),
]
