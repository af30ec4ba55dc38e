"""Django admin for centers, projects, memberships, cases, mosaics and reads."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.models import Case, Center, Membership, Mosaic, Project, Read, Region
from annotations.services.cleanup import case_delete, mosaic_delete


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

    # Deletions go through the service so that the mosaics' files go too.
    def delete_model(self, request: HttpRequest, obj: Case) -> None:
        case_delete(case=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        for case in queryset:
            case_delete(case=case)


@admin.register(Mosaic)
class MosaicAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "status", "width", "height", "um_per_px", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["checksum", "source_info", "pyramid_path", "thumbnail_path", "original_path"]

    def delete_model(self, request: HttpRequest, obj: Mosaic) -> None:
        mosaic_delete(mosaic=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Mosaic]) -> None:
        for mosaic in queryset:
            mosaic_delete(mosaic=mosaic)


@admin.register(Read)
class ReadAdmin(admin.ModelAdmin):
    list_display = ["id", "mosaic", "reader", "status", "diagnosis", "submitted_at"]
    list_filter = ["status"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["id", "read", "label", "provenance", "area_px", "version"]
    list_filter = ["label", "provenance"]
