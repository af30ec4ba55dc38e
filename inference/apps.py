from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    verbose_name = "Inference"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from annotations.signals import mosaic_ready
        from inference.models import PredictionRun
        from inference.receivers import queue_preannotation, remove_run_files

        mosaic_ready.connect(queue_preannotation, dispatch_uid="inference.queue_preannotation")
        post_delete.connect(remove_run_files, sender=PredictionRun, dispatch_uid="inference.remove_run_files")
