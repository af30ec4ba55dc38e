"""Django admin for centers, projects, memberships, cases, mosaics, reads, agreement and label sets.

Agreement results, adjudication records and label sets are shown read-only: they
are written by their services only (a label set is immutable once complete; its
files are verified against the SHA-256 recorded here).
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.models import (
    AdjudicationDecision,
    AgreementResult,
    Case,
    Center,
    LabelSet,
    Membership,
    Mosaic,
    Project,
    Read,
    Region,
)
from annotations.services.cases import case_delete
from annotations.services.cleanup import mosaic_delete


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "readers_per_mosaic", "blind_reading", "created_at"]
    search_fields = ["slug", "name"]
    filter_horizontal = ["centers"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "center"]
    list_filter = ["role", "project", "center"]
    search_fields = ["user__username"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["code", "project", "center", "patient_code", "diagnosis", "histopathology_confirmed"]
    list_filter = ["project", "center", "diagnosis", "histopathology_confirmed"]
    search_fields = ["code", "patient_code"]

    # Deletions go through the service so that the mosaics' files go too; the admin
    # site has checked its own delete permission (``by=None``: no project-role check).
    def delete_model(self, request: HttpRequest, obj: Case) -> None:
        case_delete(case=obj, by=None)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        for case in queryset:
            case_delete(case=case, by=None)


@admin.register(Mosaic)
class MosaicAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "status", "width", "height", "um_per_px", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["checksum", "source_info", "pyramid_path", "thumbnail_path", "original_path"]

    def delete_model(self, request: HttpRequest, obj: Mosaic) -> None:
        mosaic_delete(mosaic=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Mosaic]) -> None:
        for mosaic in queryset:
            mosaic_delete(mosaic=mosaic, by=request.user)


@admin.register(Read)
class ReadAdmin(admin.ModelAdmin):
    list_display = ["id", "mosaic", "reader", "kind", "status", "diagnosis", "submitted_at"]
    list_filter = ["kind", "status"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["id", "read", "label", "provenance", "area_px", "version"]
    list_filter = ["label", "provenance"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: these rows are written by their services only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgreementResult)
class AgreementResultAdmin(ReadOnlyAdmin):
    list_display = ["id", "mosaic", "read_a", "read_b", "read_a_version", "read_b_version", "error", "computed_at"]


@admin.register(AdjudicationDecision)
class AdjudicationDecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "component", "choice", "decided_by", "decided_at", "revision"]


@admin.register(LabelSet)
class LabelSetAdmin(ReadOnlyAdmin):
    list_display = ["project", "version", "policy", "status", "mosaic_count", "manifest_sha256", "completed_at"]
    list_filter = ["project", "status"]
