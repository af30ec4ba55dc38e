"""Training runs and retraining cycles.

A ``TrainingRun`` records everything needed to reproduce a run (its arguments, seed,
label set, library versions, code revision) and what came out (per-epoch curves, the
checkpoint folder, the one model it registered: a one-to-one link, so a run that is
resumed after its worker died can never register a second model).

A ``RetrainingCycle`` is one turn of the periodic loop: snapshot → train → evaluate →
gate. At most one cycle per project is running (a partial unique constraint).
"""

from django.conf import settings
from django.db import models

from annotations.models import LabelSet, Project
from inference.models import RegisteredModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class TrainingRun(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="training_runs")
    labelset = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="training_runs")
    kind = models.CharField(max_length=16, default="classifier")
    arch = models.CharField(max_length=120)
    # The arguments that define the run (tile size, scale, epochs, batch size, lr, ...), as given.
    config = models.JSONField(default=dict)
    seed = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    failure_reason = models.TextField(blank=True)
    library_versions = models.JSONField(default=dict, blank=True)
    code_revision = models.CharField(max_length=64, default="unknown")
    environment = models.JSONField(default=dict, blank=True)
    # One entry per finished epoch: {"epoch", "train_loss", "val_loss", "val_auroc", "lr", "seconds", "improved"}.
    history = models.JSONField(default=list, blank=True)
    output_dir = models.CharField(max_length=1000, blank=True, help_text="relative to MEDIA_ROOT")
    checkpoint_path = models.CharField(max_length=1000, blank=True)
    registered_model = models.OneToOneField(
        RegisteredModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="training_run"
    )
    # The promotion gate's verdict: {"promoted": bool, "reason": str, "candidate": {...}, "active": {...}}.
    gate = models.JSONField(default=dict, blank=True)
    resumed_from_epoch = models.IntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.arch}, label set {self.labelset_id}, {self.status})"


class CycleStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RetrainingCycle(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="retraining_cycles")
    status = models.CharField(max_length=16, choices=CycleStatus.choices, default=CycleStatus.RUNNING)
    new_reads = models.PositiveIntegerField(default=0)
    labelset = models.ForeignKey(LabelSet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    run = models.OneToOneField(TrainingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="cycle")
    outcome = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="running"), name="one_running_cycle_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"retraining cycle {self.pk} of project {self.project_id} ({self.status})"
