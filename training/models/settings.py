"""Per-project settings of training: what counts as a positive mosaic, and the periodic retraining policy.

The schedule itself is a django-celery-beat ``PeriodicTask`` (editable in the admin like
any other); this row says what a cycle does and when it is worth running: only when at
least ``min_new_reads`` reads were submitted or adjudicated since the last snapshot.
"""

from django.db import models
from django_celery_beat.models import PeriodicTask

from annotations.models import Project


class TrainingSettings(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="training_settings")
    # Empty: a mosaic is positive when its label set marks suspicious area (the study's truth).
    # Otherwise: positive when its case's diagnosis is one of these (a diagnosis grouping).
    positive_diagnoses = models.JSONField(default=list, blank=True)
    retrain_enabled = models.BooleanField(default=False)
    min_new_reads = models.PositiveIntegerField(default=20, help_text="submitted/adjudicated reads since the last snapshot")
    kind = models.CharField(max_length=16, default="classifier")
    arch = models.CharField(max_length=120, default="efficientnet_b0")
    tile_size = models.PositiveIntegerField(default=224)
    um_per_px = models.FloatField(default=0.5)
    epochs = models.PositiveIntegerField(default=20)
    batch_size = models.PositiveIntegerField(default=32)
    policy = models.CharField(max_length=200, default="consensus", help_text="label-set policy of each snapshot")
    schedule = models.OneToOneField(PeriodicTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name_plural = "training settings"

    def __str__(self) -> str:
        return f"training settings of {self.project.slug}"
