from django.contrib import admin

from training.models import Evaluation, RetrainingCycle, TrainingRun, TrainingSettings


@admin.register(TrainingSettings)
class TrainingSettingsAdmin(admin.ModelAdmin):
    list_display = ["project", "retrain_enabled", "min_new_reads", "kind", "arch", "schedule"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["pk", "model", "labelset", "split", "truth", "created_at"]
    exclude = ["roc_tile_png", "roc_mosaic_png"]
    readonly_fields = ["model", "labelset", "split", "truth", "truth_detail", "report", "reader_agreement", "device",
                       "created_by"]  # fmt: skip


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "arch", "labelset", "status", "registered_model", "created_at"]
    readonly_fields = ["history", "environment", "library_versions", "code_revision", "gate"]


@admin.register(RetrainingCycle)
class RetrainingCycleAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "status", "new_reads", "labelset", "run", "started_at", "finished_at"]
