"""Mosaics (the images) and the resumable uploads that bring them."""

import uuid

from django.conf import settings
from django.db import models

from .cases import Case


class MosaicStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Mosaic(models.Model):
    """One RCM mosaic of a case; served from its tiled pyramidal BigTIFF once ready.

    Files live under MEDIA_ROOT; paths are stored relative to it so the media
    volume can move.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mosaics")
    original_filename = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    um_per_px = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=MosaicStatus.choices, default=MosaicStatus.UPLOADED)
    failure_reason = models.TextField(blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Ingest progress, 0-100")
    checksum = models.CharField(max_length=64, blank=True, db_index=True, help_text="SHA-256 of the original")
    # What the source was and what was done to it (format, bit depth, channels, conversions).
    source_info = models.JSONField(default=dict, blank=True)
    original_path = models.CharField(max_length=500, blank=True)
    pyramid_path = models.CharField(max_length=500, blank=True)
    thumbnail_path = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Mosaic {self.pk} of {self.case}"


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    COMPLETE = "complete", "Complete"
    ABORTED = "aborted", "Aborted"


class UploadSession(models.Model):
    """A resumable, chunked upload: bytes arrive at offsets until ``size`` is reached."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="uploads")
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVING)
    mosaic = models.OneToOneField(Mosaic, on_delete=models.SET_NULL, null=True, blank=True, related_name="upload")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Upload {self.filename} ({self.received}/{self.size} bytes)"
