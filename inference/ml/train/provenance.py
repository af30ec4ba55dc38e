"""What a training run records to be reproducible: library versions, code revision, machine."""

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

LIBRARIES = ("torch", "torchvision", "timm", "numpy", "scikit-learn", "scipy", "safetensors", "pyvips",
             "pycocotools", "rasterio", "shapely", "pillow")  # fmt: skip
_REPOSITORY = Path(__file__).resolve().parents[3]


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision(repository: Path = _REPOSITORY) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the checkout the code runs from; None outside a git checkout or without git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()  # fmt: skip
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repository,
                                capture_output=True, text=True, check=True, timeout=10).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def environment() -> dict[str, Any]:
    """Everything about where a run ran that could change its result."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": library_versions(),
        "code": git_revision(),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "torch_build": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
