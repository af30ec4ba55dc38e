from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


def make_celery_folders() -> None:
    """Create the folders a filesystem broker or file result backend points at.

    ``make run``'s embedded Celery transport needs its queue folders to exist before the
    first message is sent; settings must not touch the disk at import, so the folders
    are made here, when the web process or a worker starts, from the settings themselves.
    """
    folders: list[str] = []
    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [str(options[key]) for key in ("data_folder_in", "data_folder_out", "processed_folder",
                                                   "control_folder") if options.get(key)]  # fmt: skip
    backend = str(settings.CELERY_RESULT_BACKEND)
    if backend.startswith("file://"):
        folders.append(backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        make_celery_folders()
        # Tile grants end when access ends (logout, roles, reads, deletion): annotations/tiles/invalidation.py
        from annotations.tiles import invalidation

        invalidation.connect()
