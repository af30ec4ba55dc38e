"""Who contributes and who reads: centers, projects and memberships with roles."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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


class AIProtocol(models.TextChoices):
    """When readers see a model's suggestions and heatmap for a mosaic (issue 9).

    ``unaided_then_aided`` (the default) keeps a blinded first read free of anchoring:
    the AI layer appears only once the reader's unaided read is submitted, and an
    aided read then starts from a copy of it, so the AI's influence can be measured.
    """

    NEVER = "never", "Never"
    FROM_START = "from_start", "From the start"
    UNAIDED_THEN_AIDED = "unaided_then_aided", "Unaided read first, then aided"


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
    # Identifying text (issue 11): a file name can carry a patient's name.
    pseudonymize_filenames = models.BooleanField(
        default=False,
        help_text="Replace uploaded and imported file names with pseudonyms at ingest (the original name is not kept).",
    )
    # Agreement and label sets (issue 8)
    agreement_tile_px = models.PositiveIntegerField(
        default=224, validators=[MinValueValidator(8), MaxValueValidator(4096)],
        help_text="Tile size in full-resolution mosaic pixels for tile-level kappa and label-set tiles.",
    )  # fmt: skip
    agreement_positive_fraction = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.001), MaxValueValidator(1.0)],
        help_text="A tile is positive when its labelled fraction reaches this.",
    )  # fmt: skip
    min_viewed_fraction = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Readers who viewed less of a mosaic at diagnostic zoom are warned on submit (0: never).",
    )  # fmt: skip
    ai_protocol = models.CharField(
        max_length=24, choices=AIProtocol.choices, default=AIProtocol.UNAIDED_THEN_AIDED,
        help_text="When readers see AI suggestions: never, from the start, or after their unaided read.",
    )  # fmt: skip
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
