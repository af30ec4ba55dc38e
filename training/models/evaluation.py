"""The study's measurement of one registered model on one split of one label set.

The report is ``inference.ml.metrics.report.EvaluationReport.to_json()`` as computed
(every measure with its 95 % patient-bootstrap interval, the reasons a measure is
undefined, the bootstrap's settings); the ROC curves are stored as the PNGs drawn
then, so the page shows exactly what was measured. Rows are written once by
``training.services.evaluation.evaluate_model`` and never changed.
"""

from django.conf import settings
from django.db import models

from annotations.models import LabelSet
from inference.models import RegisteredModel


class EvaluationSplit(models.TextChoices):
    TEST = "test", "Test"
    VAL = "val", "Validation"
    TRAIN = "train", "Training"
    ALL = "all", "All mosaics"


class Evaluation(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="evaluations")
    labelset = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="evaluations")
    split = models.CharField(max_length=8, choices=EvaluationSplit.choices, default=EvaluationSplit.TEST)
    # "labelled_area" (the default truth) or "diagnosis" (the project's positive diagnoses, listed in truth_detail).
    truth = models.CharField(max_length=32, default="labelled_area")
    truth_detail = models.JSONField(default=list, blank=True)
    report = models.JSONField()
    # The readers' own agreement on the same mosaics, the ceiling the model is measured against (may be empty).
    reader_agreement = models.JSONField(default=dict, blank=True)
    roc_tile_png = models.BinaryField()
    roc_mosaic_png = models.BinaryField()
    device = models.CharField(max_length=32, default="cpu")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"evaluation {self.pk}: model {self.model_id} on label set {self.labelset_id} ({self.split})"

    def estimate(self, name: str) -> float | None:
        value = self.report.get(name)
        return None if value is None else float(value["value"])
