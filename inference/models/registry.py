"""The model registry: every model a project can run, with its files, provenance and status.

A registered model is the pair the ML package reads and writes (``model.safetensors``
plus ``config.json``, see ``inference/ml/model_files.py``), copied into the
platform's storage and identified by both files' SHA-256. It is either brought in
from elsewhere (``register_model``: a GPU cluster, another center's scripts) or
written by the platform's own training. A project has at most one *active* model
of each kind (classifier, detector): the one that pre-annotates new mosaics.
Promotion (candidate → active) goes through ``inference.services.registry``.
"""

from django.conf import settings
from django.db import models

from annotations.models import LabelSet, Project


class ModelKind(models.TextChoices):
    CLASSIFIER = "classifier", "Tile classifier"
    DETECTOR = "detector", "Detector / segmenter"


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class ModelSource(models.TextChoices):
    REGISTERED = "registered", "Registered (trained elsewhere)"
    TRAINED = "trained", "Trained on the platform"


class RegisteredModel(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="models")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    arch = models.CharField(max_length=120)
    # The config JSON exactly as registered (inference.ml.model_config.ModelConfig.to_json()).
    config = models.JSONField()
    # Paths relative to MEDIA_ROOT (models/<id>/model.safetensors, models/<id>/config.json).
    weights_path = models.CharField(max_length=500)
    config_path = models.CharField(max_length=500)
    weights_sha256 = models.CharField(max_length=64, db_index=True)
    config_sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=ModelSource.choices, default=ModelSource.REGISTERED)
    # The label set it was trained on, when the platform knows it.
    label_set = models.ForeignKey(LabelSet, on_delete=models.PROTECT, null=True, blank=True, related_name="models")
    status = models.CharField(max_length=16, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    status_reason = models.TextField(blank=True, help_text="Why it was promoted or retired (the gate's verdict or a lead's words).")
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=models.Q(status="active"),
                name="one_active_model_per_project_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.arch}) #{self.pk}"
