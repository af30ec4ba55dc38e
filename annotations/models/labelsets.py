"""Label-set snapshots: immutable, versioned exports of a project's labels, and patient splits.

A ``LabelSet`` is one export (version 1, 2, … per project) of the labels as a
policy combines them (``LabelSetPolicy``); ``LabelSetMosaic`` records, per
mosaic, exactly which reads went in at which versions, and its patient's
split. Files are written by ``annotations.labelsets.writer`` into a directory
whose ``manifest.json`` holds every file's SHA-256; the row keeps the
manifest's own SHA-256, so the snapshot's claim and its files can be checked
against each other at any time.

Immutability: only the export service writes these rows, from ``building`` to
``complete`` or ``failed`` once; no API or admin path changes them afterwards.
``PatientSplit`` keeps each patient's split from the first complete snapshot that
held it, so a patient keeps its split in every later snapshot.
"""

from django.conf import settings
from django.db import models

from .centers import Project
from .mosaics import Mosaic


class LabelSetStatus(models.TextChoices):
    BUILDING = "building", "Building"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class LabelSet(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="labelsets")
    version = models.PositiveIntegerField()
    policy = models.CharField(max_length=200, help_text="consensus, union, intersection or reader:USERNAME")
    status = models.CharField(max_length=16, choices=LabelSetStatus.choices, default=LabelSetStatus.BUILDING)
    failure_reason = models.TextField(blank=True)
    seed = models.BigIntegerField(default=0, help_text="seed of the patient split of this snapshot's new patients")
    split_fractions = models.JSONField(default=dict)
    options = models.JSONField(default=dict, help_text="mask scale, tile size and positive fraction used")
    # Relative to MEDIA_ROOT, or absolute when exported elsewhere (``export_labelset --out``).
    path = models.CharField(max_length=1000, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    mosaic_count = models.PositiveIntegerField(default=0)
    region_count = models.PositiveIntegerField(default=0)
    patient_count = models.PositiveIntegerField(default=0)
    split_counts = models.JSONField(default=dict, help_text="mosaics per split")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="labelset_version_unique")]

    def __str__(self) -> str:
        return f"{self.project.slug} label set v{self.version} ({self.status})"


class LabelSetMosaic(models.Model):
    labelset = models.ForeignKey(LabelSet, on_delete=models.CASCADE, related_name="mosaics")
    mosaic = models.ForeignKey(Mosaic, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, help_text="consensus, union, intersection or reader")
    # [{"read": id, "reader": username, "kind": "reader"|"consensus", "version": n}, ...]
    reads = models.JSONField()
    patient = models.CharField(max_length=200)
    split = models.CharField(max_length=32)
    region_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["labelset_id", "mosaic_id"]
        constraints = [models.UniqueConstraint(fields=["labelset", "mosaic"], name="labelset_mosaic_unique")]

    def __str__(self) -> str:
        return f"Mosaic {self.mosaic_id} in {self.labelset}"


class PatientSplit(models.Model):
    """A patient's split in a project, fixed by the first complete snapshot that held it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="patient_splits")
    patient = models.CharField(max_length=200, help_text="center code / patient code")
    split = models.CharField(max_length=32)
    labelset = models.ForeignKey(LabelSet, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "patient"], name="one_split_per_patient")]

    def __str__(self) -> str:
        return f"{self.patient}: {self.split}"
