"""Celery tasks of the annotations app, one module per concern (autodiscovered here)."""

from .agreement import *  # noqa: F403
from .commands import run_management_command
from .housekeeping import *  # noqa: F403
from .ingest import *  # noqa: F403
from .labelsets import *  # noqa: F403
from .reading import *  # noqa: F403
from .tiles import *  # noqa: F403

__all__ = ["run_management_command"]
