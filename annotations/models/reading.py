"""Reads (one reader's labelling of one mosaic), their regions and their history.

Designed for what comes after reading: two reads of a mosaic are compared
(agreement), adjudicated into a consensus, frozen into versioned label sets and
trained on. Geometry is GeoJSON in full-resolution pixel coordinates with a stored
bounding box for viewport queries; every saved state of a read is kept as a
revision so that any earlier state can be restored or audited.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from annotations.vocabulary import Diagnosis, FeatureLabel

from .mosaics import Mosaic


class ReadStatus(models.TextChoices):
    ASSIGNED = "assigned", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class ReadKind(models.TextChoices):
    """What a read is: a reader's independent labelling, or the lead's adjudicated consensus.

    Only reader reads count for blindness, worklists, assignment and agreement; the
    consensus reuses everything else a read has (regions, autosave, the optimistic
    lock, revisions and restore, GeoJSON export).
    """

    READER = "reader", "Reader's read"
    CONSENSUS = "consensus", "Adjudicated consensus"
    # The reader's second read of a mosaic with the AI layer shown, started as a copy of
    # its submitted (unaided) reader read under the ``unaided_then_aided`` protocol.
    AIDED = "aided", "Reader's AI-aided read"


class Read(models.Model):
    mosaic = models.ForeignKey(Mosaic, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reads")
    kind = models.CharField(max_length=16, choices=ReadKind.choices, default=ReadKind.READER)
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
        constraints = [
            models.UniqueConstraint(fields=["mosaic", "reader", "kind"], name="one_read_per_reader_kind_and_mosaic"),
            models.UniqueConstraint(
                fields=["mosaic"], condition=models.Q(kind="consensus"), name="one_consensus_per_mosaic"
            ),
        ]
        indexes = [models.Index(fields=["reader", "status"]), models.Index(fields=["mosaic", "kind", "status"])]

    def __str__(self) -> str:
        return f"Read {self.pk} of mosaic {self.mosaic_id} by {self.reader}"


class Provenance(models.TextChoices):
    MANUAL = "manual", "Drawn by hand"
    AI_ACCEPTED = "ai_accepted", "AI suggestion accepted"
    AI_EDITED = "ai_edited", "AI suggestion edited by hand"
    IMPORTED = "imported", "Imported from existing labels"
    CONSENSUS = "consensus", "Taken from the readers' reads by adjudication"


# Region ids: random, not sequential (issue 11). A global sequence let a blind reader
# read, from the ids of its own new regions, how many regions the others had drawn
# in between, and when. Random ids in [2**32, 2**53): unguessable, never reused, and
# exact as JavaScript numbers (the workspace's). Made in Python, so bulk_create and
# the prepared SQL paths need nothing new. (A simplification: a collision, about
# one in 2**53 / regions-stored per insert, fails that insert instead of retrying.)
REGION_ID_MIN, REGION_ID_MAX = 2**32, 2**53 - 1


def random_region_id() -> int:
    return REGION_ID_MIN + secrets.randbelow(REGION_ID_MAX - REGION_ID_MIN + 1)


class Region(models.Model):
    id = models.BigIntegerField(primary_key=True, default=random_region_id, editable=False)
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="regions")
    label = models.CharField(max_length=32, choices=FeatureLabel.choices)
    # GeoJSON Polygon or MultiPolygon, full-resolution pixel coordinates, valid and clipped.
    geometry = models.JSONField()
    # The geometry thinned for drawing at low zoom (annotations.geometry.outline), written with it by every
    # write service; display only, never edited or written back. Null only for rows no service wrote.
    outline = models.JSONField(null=True, blank=True)
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_px = models.FloatField()
    vertex_count = models.PositiveIntegerField(default=0)
    provenance = models.CharField(max_length=16, choices=Provenance.choices, default=Provenance.MANUAL)
    # Where an ``ai_accepted`` / ``ai_edited`` region came from: the model, and the suggestion's
    # id (a plain id, not a key: a re-run of the model replaces its suggestions, the decision
    # record in ``inference.SuggestionDecision`` keeps what the suggestion was).
    ai_model = models.ForeignKey(
        "inference.RegisteredModel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ai_suggestion_id = models.PositiveBigIntegerField(null=True, blank=True)
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
