"""The model registry in the admin: looked at, not edited (files and hashes come from the services)."""

from django.contrib import admin

from inference.models import PredictionRun, RegisteredModel, SuggestionDecision


@admin.register(RegisteredModel)
class RegisteredModelAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "name", "kind", "arch", "status", "source", "created_at"]
    list_filter = ["project", "kind", "status", "source"]
    search_fields = ["name", "arch", "weights_sha256"]
    readonly_fields = [field.name for field in RegisteredModel._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # models come in through register_model or training, which check the files


@admin.register(PredictionRun)
class PredictionRunAdmin(admin.ModelAdmin):
    list_display = ["id", "mosaic", "model", "status", "progress", "score", "attempts", "finished_at"]
    list_filter = ["status", "model"]
    readonly_fields = [field.name for field in PredictionRun._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # runs are queued by ingest, the preannotate command or a lead's re-run


@admin.register(SuggestionDecision)
class SuggestionDecisionAdmin(admin.ModelAdmin):
    list_display = ["id", "read", "user", "decision", "suggestion_ref", "model", "region", "created_at"]
    list_filter = ["decision", "model"]
    readonly_fields = [field.name for field in SuggestionDecision._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False  # decisions are recorded by the reading API
