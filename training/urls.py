"""Page routes of the training app (its API routes are in ``training.api.urls``)."""

from django.urls import URLPattern, path

from training import views

urlpatterns: list[URLPattern] = [
    path("projects/<slug:slug>/training/", views.project_training, name="project-training"),
    path("models/<int:model_id>/", views.model_detail, name="model-detail"),
    path("models/<int:model_id>/promote/", views.model_promote_form, name="model-promote-form"),
    path("training-runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("evaluations/<int:evaluation_id>/roc-<str:curve>.png", views.roc_image, name="evaluation-roc"),
]
