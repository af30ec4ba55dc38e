"""API routes of the AI layer (included under /api/; the contract is the schema at /api/schema/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("mosaics/<int:mosaic_id>/predictions/", views.MosaicPredictionsView.as_view(), name="mosaic-predictions"),
    path("mosaics/<int:mosaic_id>/suggestions/", views.MosaicSuggestionsView.as_view(), name="mosaic-suggestions"),
    path("mosaics/<int:mosaic_id>/heatmap.png", views.MosaicHeatmapView.as_view(), name="mosaic-heatmap"),
    path("reads/<int:read_id>/aided/", views.AidedReadView.as_view(), name="read-aided"),
    path("reads/<int:read_id>/suggestions/area/", views.SuggestionAreaView.as_view(), name="read-suggestions-area"),
    path(
        "reads/<int:read_id>/suggestions/<int:suggestion_id>/accept/",
        views.SuggestionAcceptView.as_view(), name="read-suggestion-accept",
    ),  # fmt: skip
    path(
        "reads/<int:read_id>/suggestions/<int:suggestion_id>/edit/",
        views.SuggestionEditView.as_view(), name="read-suggestion-edit",
    ),  # fmt: skip
    path(
        "reads/<int:read_id>/suggestions/<int:suggestion_id>/reject/",
        views.SuggestionRejectView.as_view(), name="read-suggestion-reject",
    ),  # fmt: skip
    path("projects/<slug:slug>/ai-influence/", views.ProjectAIInfluenceView.as_view(), name="project-ai-influence"),
    path("projects/<slug:slug>/preannotate/", views.ProjectPreannotateView.as_view(), name="project-preannotate"),
]
