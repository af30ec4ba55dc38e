from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training and evaluation"
    default_auto_field = "django.db.models.BigAutoField"
