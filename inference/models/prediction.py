"""Pre-annotation: one model's run over one mosaic, the regions it suggests, and readers' decisions.

A ``PredictionRun`` is unique per (mosaic, model): a re-run reuses the row and, when
it finishes, replaces the suggestions and output files in one transaction, so a
reader sees either the old outputs or the new ones, never a mix or a duplicate.
Outputs live under MEDIA_ROOT (``inference.storage.prediction_dir``): the
tile-probability grid and per-tile uncertainty as ``.npy`` (for an active-learning
queue, without running the model again) and the heatmap PNG the viewer overlays.

A ``SuggestionDecision`` is a reader's accept / edit / reject of a suggestion in one
of its reads. It copies what the suggestion was (model, geometry, score), since a
re-run deletes the suggestion row itself: the AI-influence report needs the decision
long after.
"""

from django.conf import settings
from django.db import models

from annotations.models import Mosaic, Read, Region

from .registry import RegisteredModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PredictionRun(models.Model):
    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="prediction_runs")
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100 while running")
    error = models.TextField(blank=True, help_text="Why the run failed, and what to do about it.")
    # Deliveries of the task that started this run; capped, so a mosaic that kills its worker cannot loop.
    attempts = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(null=True, blank=True, help_text="The mosaic score: positive at t iff score >= t.")
    threshold = models.FloatField(null=True, blank=True)
    grid_rows = models.PositiveIntegerField(null=True, blank=True)
    grid_cols = models.PositiveIntegerField(null=True, blank=True)
    tile_size = models.PositiveIntegerField(null=True, blank=True, help_text="Level-0 mosaic pixels per tile")
    map_downsample = models.PositiveIntegerField(null=True, blank=True, help_text="Mosaic px per heatmap px")
    # ``predict_mosaic``'s summary (grid geometry, tiles run and skipped, …), JSON-ready.
    summary = models.JSONField(default=dict, blank=True)
    # Paths relative to MEDIA_ROOT; each run writes a fresh folder, swapped in on success.
    probability_path = models.CharField(max_length=500, blank=True)
    uncertainty_path = models.CharField(max_length=500, blank=True)
    heatmap_path = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mosaic_id", "model_id"]
        constraints = [models.UniqueConstraint(fields=["mosaic", "model"], name="one_prediction_run_per_mosaic_and_model")]

    def __str__(self) -> str:
        return f"Run {self.pk}: model {self.model_id} on mosaic {self.mosaic_id} ({self.status})"


class Suggestion(models.Model):
    """One AI-suggested region: a thresholded area of the run's probability map, level-0 px."""

    run = models.ForeignKey(PredictionRun, on_delete=models.CASCADE, related_name="suggestions")
    label = models.CharField(max_length=32)
    geometry = models.JSONField()  # GeoJSON Polygon / MultiPolygon, clipped to the mosaic
    score = models.FloatField(help_text="Highest probability inside the area")
    mean_probability = models.FloatField()
    area_px = models.FloatField()
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()

    class Meta:
        ordering = ["-score", "id"]

    def __str__(self) -> str:
        return f"Suggestion {self.pk} of run {self.run_id}"


class DecisionKind(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Accepted with changes"
    REJECTED = "rejected", "Rejected"


class SuggestionDecision(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    suggestion_ref = models.PositiveBigIntegerField(help_text="The suggestion's id (kept when a re-run removes it)")
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="+")
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="suggestion_decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=DecisionKind.choices)
    region = models.ForeignKey(Region, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    suggestion_geometry = models.JSONField()
    suggestion_score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["read", "suggestion_ref"])]

    def __str__(self) -> str:
        return f"{self.decision} suggestion {self.suggestion_ref} in read {self.read_id}"
