"""Stored agreement: per mosaic and reader pair, per reader against the consensus, per project.

Computing agreement rasterises whole mosaics (seconds each) and the project's
bootstrap takes seconds to minutes, so the dashboard, the API and the command
read stored results. Each result names the reads it compared and their versions
at computation, and the settings it used: a result whose reads or settings have
changed since is *stale* and is recomputed (``annotations.services.agreement``).
A computation that failed keeps its row with ``error`` set and no ``row``.
"""

from django.db import models

from .centers import Project
from .mosaics import Mosaic
from .reading import Read


class StoredResult(models.Model):
    """What every stored computation keeps: its row (None if it failed), the settings used, the error."""

    row = models.JSONField(null=True, blank=True)
    settings = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AgreementResult(StoredResult):
    """``annotations.agreement.mosaic.mosaic_agreement`` of two reader reads of a mosaic."""

    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="agreement_results")
    read_a = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="+")
    read_b = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="+")
    read_a_version = models.PositiveIntegerField()
    read_b_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["mosaic_id", "read_a_id", "read_b_id"]
        constraints = [models.UniqueConstraint(fields=["read_a", "read_b"], name="one_agreement_per_read_pair")]

    def __str__(self) -> str:
        return f"Agreement of reads {self.read_a_id} and {self.read_b_id}"


class CalibrationResult(StoredResult):
    """``annotations.agreement.calibration.reader_calibration`` of a reader read against the submitted consensus."""

    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="calibration_results")
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="+")
    consensus = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="+")
    read_version = models.PositiveIntegerField()
    consensus_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["mosaic_id", "read_id"]
        constraints = [models.UniqueConstraint(fields=["read", "consensus"], name="one_calibration_per_read")]

    def __str__(self) -> str:
        return f"Calibration of read {self.read_id} against {self.consensus_id}"


class AgreementSummary(models.Model):
    """A project's aggregates (``project_agreement``) and the results they were computed from.

    ``fingerprint`` is a hash of the ids and computation times of the results that
    went in: when it no longer matches the stored results, the aggregates are stale.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="agreement_summary")
    aggregates = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    result_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Agreement of {self.project}"
