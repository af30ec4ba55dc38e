"""API routes of the training app, under /api/."""

from django.urls import URLPattern, path

from training.api import views

urlpatterns: list[URLPattern] = [
    path("projects/<slug:slug>/training-runs/", views.ProjectRunsView.as_view(), name="project-training-runs"),
    path("training-runs/<int:run_id>/", views.RunDetailView.as_view(), name="training-run-detail"),
    path("projects/<slug:slug>/retraining/", views.ProjectRetrainingView.as_view(), name="project-retraining"),
    path("models/<int:model_id>/promote/", views.ModelPromoteView.as_view(), name="model-promote"),
]
