"""The config JSON that travels with a model's weights, typed and checked.

A model is ``model.safetensors`` plus ``config.json``::

    {"kind": "classifier" | "detector", "arch": "efficientnet_b0", "in_chans": 1,
     "num_classes": 1, "mean": [0.449], "std": [0.226], "tile_size": 224,
     "um_per_px": 0.5, "threshold": 0.5}

Inputs are ``pixel / 255`` normalised by ``mean`` and ``std`` (one value per input
channel), tiles are ``tile_size`` pixels cut at ``um_per_px`` micrometres per pixel,
and ``threshold`` is the operating point on the output probability (polygons, the
positive / negative call). Everything that decides what the network sees is in this
file, so training and serving cannot drift apart (timm's "preprocessing from the
model's config", made explicit and stored).

Every problem is a ``ModelConfigError`` naming the file (when there is one) and the
field, e.g. ``config.json: field 'tile_size' must be a positive integer, got -3``.
"""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

ModelKind = Literal["classifier", "detector"]
KINDS: tuple[ModelKind, ...] = ("classifier", "detector")
FIELDS = ("kind", "arch", "in_chans", "num_classes", "mean", "std", "tile_size", "um_per_px", "threshold")


class ModelLoadError(Exception):
    """A model (weights or config) that cannot be used; the message names the file and what is wrong."""


class ModelConfigError(ModelLoadError):
    """The config JSON is missing, unreadable, or has a missing or invalid field."""


@dataclass(frozen=True)
class ModelConfig:
    kind: ModelKind
    arch: str
    in_chans: int
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    tile_size: int
    um_per_px: float
    threshold: float

    def __post_init__(self) -> None:
        check_config_fields(asdict(self), source="config")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    @classmethod
    def from_json(cls, data: Any, *, source: str = "config") -> "ModelConfig":
        """A config from parsed JSON; ``source`` (a file name) prefixes every error."""
        if not isinstance(data, dict):
            raise ModelConfigError(f"{source}: must be a JSON object, got {type(data).__name__}")
        missing = [name for name in FIELDS if name not in data]
        if missing:
            raise ModelConfigError(f"{source}: missing field(s) {', '.join(repr(name) for name in missing)}")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise ModelConfigError(f"{source}: unknown field(s) {', '.join(repr(name) for name in unknown)}")
        check_config_fields(data, source=source)
        return cls(
            kind=data["kind"], arch=data["arch"], in_chans=int(data["in_chans"]),
            num_classes=int(data["num_classes"]), mean=tuple(float(v) for v in data["mean"]),
            std=tuple(float(v) for v in data["std"]), tile_size=int(data["tile_size"]),
            um_per_px=float(data["um_per_px"]), threshold=float(data["threshold"]),
        )  # fmt: skip


def check_config_fields(data: dict[str, Any], *, source: str) -> None:
    """Raise ModelConfigError for the first invalid field (types, ranges, and their consistency)."""

    def fail(name: str, must: str) -> None:
        raise ModelConfigError(f"{source}: field {name!r} must be {must}, got {data[name]!r}")

    if data["kind"] not in KINDS:
        fail("kind", "one of " + ", ".join(repr(kind) for kind in KINDS))
    if not isinstance(data["arch"], str) or not data["arch"].strip():
        fail("arch", "a non-empty architecture name")
    for name in ("in_chans", "num_classes", "tile_size"):
        if not _is_int(data[name]) or data[name] < 1:
            fail(name, "a positive integer")
    for name in ("mean", "std"):
        values = data[name]
        if not isinstance(values, list | tuple) or not values or not all(_is_finite(v) for v in values):
            fail(name, "a non-empty list of numbers")
        if len(values) != data["in_chans"]:
            fail(name, f"one value per input channel ({data['in_chans']})")
    if any(v <= 0 for v in data["std"]):
        fail("std", "positive")
    if not _is_finite(data["um_per_px"]) or data["um_per_px"] <= 0:
        fail("um_per_px", "a positive number (micrometres per pixel)")
    if not _is_finite(data["threshold"]) or not 0 <= data["threshold"] <= 1:
        fail("threshold", "a probability in [0, 1]")
    if data["kind"] == "classifier" and data["num_classes"] != 1:
        fail("num_classes", "1 for a classifier (one output: the probability that the tile is suspicious)")
    if data["kind"] == "detector" and data["num_classes"] < 2:
        fail("num_classes", "at least 2 for a detector (background + suspicious)")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def load_config(path: Path) -> ModelConfig:
    """Read and check ``path``; any problem is a ModelConfigError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ModelConfigError(f"{path}: config file not found") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ModelConfigError(f"{path}: config file cannot be read ({error})") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelConfigError(f"{path}: not valid JSON ({error})") from error
    return ModelConfig.from_json(data, source=str(path))


def save_config(config: ModelConfig, path: Path) -> None:
    Path(path).write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
