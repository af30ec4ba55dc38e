"""Serializers for centers, projects, cases and mosaics."""

from typing import Any, cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Case, Center, Mosaic, Project, Role
from annotations.vocabulary import Diagnosis

from .strict import StrictFieldsMixin


class CenterSerializer(StrictFieldsMixin, serializers.ModelSerializer[Center]):
    class Meta:
        model = Center
        fields = ["id", "code", "name", "created_at"]


class ProjectSerializer(StrictFieldsMixin, serializers.ModelSerializer[Project]):
    centers: serializers.SlugRelatedField[Center] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    my_role = serializers.SerializerMethodField()
    confirm_unblind = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="switch blind reading off although reads are open (they then see each other's work)",
    )  # fmt: skip

    class Meta:
        model = Project
        fields = [
            "id", "slug", "name", "description", "centers", "readers_per_mosaic",
            "blind_reading", "default_um_per_px", "keep_originals", "pseudonymize_filenames", "agreement_tile_px",
            "agreement_positive_fraction", "min_viewed_fraction", "ai_protocol", "created_at", "my_role",
            "confirm_unblind",
        ]  # fmt: skip
        read_only_fields = ["slug", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_my_role(self, project: Project) -> str | None:
        from annotations.selectors.access import role_in_project

        return role_in_project(user=self.context["request"].user, project=project)


# The case reference: what a blind reader must not see (``access.with_case_view``).
CASE_REFERENCE_FIELDS = ("patient_code", "diagnosis", "histopathology_confirmed")


class CaseSerializer(StrictFieldsMixin, serializers.ModelSerializer[Case]):
    """A case. A blind reader gets it without its reference (patient code, diagnosis, histopathology)."""

    # The one place that chooses the reader-safe view: a row the selector did not flag
    # ``reference_visible`` (a reader's case, or one not fetched through
    # ``access.with_case_view``) has no reference keys at all. The response schema
    # (``CaseViewSerializer``) says they may be absent.
    project = serializers.SlugRelatedField(slug_field="slug", queryset=Project.objects.all())
    center = serializers.SlugRelatedField(slug_field="code", queryset=Center.objects.all())
    mosaic_count = serializers.IntegerField(read_only=True, source="mosaics.count")

    class Meta:
        model = Case
        fields = [
            "id", "project", "center", "code", "patient_code", "diagnosis", "histopathology_confirmed",
            "site", "age_band", "sex", "created_at", "mosaic_count",
        ]  # fmt: skip
        read_only_fields = ["created_at"]
        # Uniqueness is checked by the service (it names the field); not twice here.
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from annotations.selectors.access import centers_visible_to, projects_visible_to

            # Only what the caller may see can be named; anything else reads "does not exist".
            # (``fields`` holds the bound copies of the SlugRelatedFields declared above.)
            project_field = cast("serializers.SlugRelatedField[Project]", self.fields["project"])
            center_field = cast("serializers.SlugRelatedField[Center]", self.fields["center"])
            project_field.queryset = projects_visible_to(user=request.user)
            center_field.queryset = centers_visible_to(user=request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["project"].read_only = True
            self.fields["center"].read_only = True

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        if not getattr(instance, "reference_visible", False):
            for name in CASE_REFERENCE_FIELDS:
                data.pop(name, None)
        return data


class CaseViewSerializer(CaseSerializer):
    """The response schema of a case (never used to parse): the reference fields may be absent."""

    # Not read-only: drf-spectacular lists read-only fields as required in responses.
    patient_code = serializers.CharField(required=False)
    diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, allow_blank=True, required=False)
    histopathology_confirmed = serializers.BooleanField(required=False)


# Identifying text of a mosaic: its file's name (it can carry a patient's name) and
# its checksum (it identifies the file outside the platform). Never for a reader.
MOSAIC_IDENTIFYING_FIELDS = ("original_filename", "checksum")


class MosaicSerializer(serializers.ModelSerializer[Mosaic]):
    """A mosaic. A reader gets it without its original file name and checksum."""

    # Output only (the mosaic endpoints take no input). Declared rather than read-only
    # so that the schema says they may be absent: a row the selector did not flag
    # ``reference_visible`` (``access.with_mosaic_view``) has neither.
    original_filename = serializers.CharField(required=False)
    checksum = serializers.CharField(required=False)
    case_code = serializers.CharField(source="case.code", read_only=True)
    project = serializers.CharField(source="case.project.slug", read_only=True)
    width_mm = serializers.SerializerMethodField()
    height_mm = serializers.SerializerMethodField()

    class Meta:
        model = Mosaic
        fields = [
            "id", "case", "case_code", "project", "original_filename", "width", "height", "um_per_px",
            "width_mm", "height_mm", "status", "failure_reason", "progress", "checksum", "source_info",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _mm(self, mosaic: Mosaic, pixels: int | None) -> float | None:
        if pixels is None or mosaic.um_per_px is None:
            return None
        return round(pixels * mosaic.um_per_px / 1000, 3)

    def to_representation(self, instance: Mosaic) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        if not getattr(instance, "reference_visible", False):
            for name in MOSAIC_IDENTIFYING_FIELDS:
                data.pop(name, None)
        return data

    def get_width_mm(self, mosaic: Mosaic) -> float | None:
        return self._mm(mosaic, mosaic.width)

    def get_height_mm(self, mosaic: Mosaic) -> float | None:
        return self._mm(mosaic, mosaic.height)
