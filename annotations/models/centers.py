"""Who contributes and who reads: centers, projects and memberships with roles."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Center(models.Model):
    """A contributing site (a dermatology unit that brings its cases)."""

    code = models.SlugField(max_length=32, unique=True, help_text="Short code, e.g. NAP")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Project(models.Model):
    """A study with its reading protocol."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    centers = models.ManyToManyField(Center, related_name="projects", blank=True)
    # Reading protocol
    readers_per_mosaic = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    blind_reading = models.BooleanField(
        default=True, help_text="Readers cannot see each other's reads until both are submitted."
    )
    default_um_per_px = models.FloatField(default=0.5, validators=[MinValueValidator(0.01)])
    keep_originals = models.BooleanField(
        default=True, help_text="Keep the uploaded original next to the pyramid after ingest."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEAD = "lead", "Project lead"
    READER = "reader", "Reader"
    CONTRIBUTOR = "contributor", "Contributor"


class Membership(models.Model):
    """A user's role in one project; contributors are bound to their center."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    center = models.ForeignKey(Center, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="one_membership_per_user_and_project"),
            models.CheckConstraint(
                condition=~models.Q(role="contributor") | models.Q(center__isnull=False),
                name="contributor_has_center",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} in {self.project}"
