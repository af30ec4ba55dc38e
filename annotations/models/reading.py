"""Reads (one reader's labelling of one mosaic), their regions and their history.

Designed for what comes after reading: two reads of a mosaic are compared
(agreement), adjudicated into a consensus, frozen into versioned label sets and
trained on. Geometry is GeoJSON in full-resolution pixel coordinates with a stored
bounding box for viewport queries; every saved state of a read is kept as a
revision so that any earlier state can be restored or audited.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from annotations.vocabulary import Diagnosis, FeatureLabel

from .mosaics import Mosaic


class ReadStatus(models.TextChoices):
    ASSIGNED = "assigned", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Read(models.Model):
    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reads")
    status = models.CharField(max_length=16, choices=ReadStatus.choices, default=ReadStatus.ASSIGNED)
    diagnosis = models.CharField(max_length=32, choices=Diagnosis.choices, blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(blank=True, max_length=5000)
    no_suspicious_area = models.BooleanField(
        default=False, help_text="Reviewed: no suspicious area (an explicit negative read)."
    )
    # Bumped on every saved change of the read or its regions: the optimistic lock
    # that turns a stale tab's save into a 409.
    version = models.PositiveIntegerField(default=1)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["mosaic", "reader"], name="one_read_per_reader_and_mosaic")]
        indexes = [models.Index(fields=["reader", "status"])]

    def __str__(self) -> str:
        return f"Read {self.pk} of mosaic {self.mosaic_id} by {self.reader}"


class Provenance(models.TextChoices):
    MANUAL = "manual", "Drawn by hand"
    AI_ACCEPTED = "ai_accepted", "AI suggestion accepted"
    AI_EDITED = "ai_edited", "AI suggestion edited by hand"


class Region(models.Model):
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="regions")
    label = models.CharField(max_length=32, choices=FeatureLabel.choices)
    # GeoJSON Polygon or MultiPolygon, full-resolution pixel coordinates, valid and clipped.
    geometry = models.JSONField()
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_px = models.FloatField()
    vertex_count = models.PositiveIntegerField(default=0)
    provenance = models.CharField(max_length=16, choices=Provenance.choices, default=Provenance.MANUAL)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-area_px", "id"]  # largest first, as viewers draw them
        indexes = [models.Index(fields=["read", "min_x", "max_x", "min_y", "max_y"])]

    def __str__(self) -> str:
        return f"Region {self.pk} ({self.label})"


class ReadRevision(models.Model):
    """A saved state of a read: its case-level fields and all its regions."""

    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["read", "number"], name="revision_number_unique_per_read")]

    def __str__(self) -> str:
        return f"Revision {self.number} of read {self.read_id}"
