"""What the inference app does when other apps' signals fire (connected in ``InferenceConfig.ready``)."""

import shutil
from typing import Any

from django.db import transaction

from annotations.models import Mosaic
from inference.models import PredictionRun
from inference.storage import prediction_dir


def queue_preannotation(sender: type[Mosaic], mosaic: Mosaic, **kwargs: Any) -> None:
    """A mosaic became ready: every active model of its project pre-annotates it (on the gpu queue)."""
    from inference.services.preannotation import prediction_runs_for_ready_mosaic

    with transaction.atomic():  # the runs and their outbox rows commit together
        prediction_runs_for_ready_mosaic(mosaic=mosaic)


def remove_run_files(sender: type[PredictionRun], instance: PredictionRun, **kwargs: Any) -> None:
    """A deleted run (its mosaic, model or project deleted) takes its output folder along, once committed."""
    folder = prediction_dir(instance.pk)
    transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
