"""Serializers for centers, projects, cases and mosaics."""

from typing import Any, cast

from rest_framework import serializers

from annotations.models import Case, Center, Mosaic, Project

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

    class Meta:
        model = Project
        fields = [
            "id", "slug", "name", "description", "centers", "readers_per_mosaic",
            "blind_reading", "default_um_per_px", "keep_originals", "created_at", "my_role",
        ]  # fmt: skip
        read_only_fields = ["slug", "created_at"]

    def get_my_role(self, project: Project) -> str | None:
        from annotations.selectors.access import role_in_project

        return role_in_project(user=self.context["request"].user, project=project)


class CaseSerializer(StrictFieldsMixin, serializers.ModelSerializer[Case]):
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


class MosaicSerializer(serializers.ModelSerializer[Mosaic]):
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

    def get_width_mm(self, mosaic: Mosaic) -> float | None:
        return self._mm(mosaic, mosaic.width)

    def get_height_mm(self, mosaic: Mosaic) -> float | None:
        return self._mm(mosaic, mosaic.height)
