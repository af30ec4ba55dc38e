"""Where a registered model's files live under MEDIA_ROOT: ``models/<id>/``."""

from pathlib import Path

from annotations.storage import media_root


def model_dir(model_id: int) -> Path:
    return media_root() / "models" / str(model_id)


def prediction_dir(run_id: int) -> Path:
    """A run's outputs: ``predictions/<run id>/<attempt>/`` (a fresh attempt folder per execution)."""
    return media_root() / "predictions" / str(run_id)
