"""The audit trail: one append-only row per login, failed login, mosaic opened and write.

Rows are never changed or deleted by the platform: no service updates them, the admin
shows them read-only, the API only lists them, and on PostgreSQL a trigger (migration
0001) refuses UPDATE and DELETE on the table whoever asks. Who and which project are
kept as plain ids without foreign-key constraints (``db_constraint=False``,
``DO_NOTHING``): deleting a user or a project must neither cascade into the trail nor
be refused by it; ``username`` keeps the name as it was (and the name a failed login
tried, which may belong to no one).
"""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    project = models.ForeignKey(
        "annotations.Project", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "-at"], name="audit_project_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.object_type}:{self.object_id}"
