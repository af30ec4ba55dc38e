"""Training checkpoints: plain dicts, written atomically, so a killed run resumes from its last epoch.

Like torchvision's references, a checkpoint is a dict with ``model``, ``optimizer``,
``lr_scheduler``, ``epoch`` and ``args``; here also ``scaler`` (CUDA AMP), ``rng``
(torch, CUDA, numpy and Python states), ``early_stopping`` and ``history``. It is
written to a temporary file beside the target and renamed over it: a process killed
mid-write leaves the previous checkpoint intact, never a truncated one.
"""

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.ml.model_files import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(state: dict[str, Any], path: Path) -> None:
    with atomic_write(Path(path)) as temporary:
        torch.save(state, temporary)


def load_checkpoint(path: Path) -> dict[str, Any]:
    # Our own files only; weights_only=False because the dict holds RNG states and plain args.
    return torch.load(path, map_location="cpu", weights_only=False)  # noqa: S614


def rng_state() -> dict[str, Any]:
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
