"""A small trained-on-able study: ready mosaics with real pyramids, submitted reads, an exported label set.

Each mosaic is ``size`` × ``size`` px of dim texture; a positive mosaic has bright
textured squares where its reader drew regions, so even a tiny network separates the
tiles after a few steps. One reader per mosaic, one mosaic per patient.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annotations.ingest.pyramid import write_pyramid as write_platform_pyramid
from annotations.models import LabelSet, Mosaic, MosaicStatus
from annotations.services.labelsets import labelset_build, labelset_create
from annotations.storage import PYRAMID_NAME, THUMBNAIL_NAME, mosaic_dir, to_relative
from inference.ml.model_files import save_model
from inference.ml.models import create_model
from inference.models import RegisteredModel
from inference.services.registry import model_register
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import Study, make_study, submit
from tests.inference.ml.builders import textured, tiny_classifier_config

TILE = 32
SPLITS = {"train": 0.5, "val": 0.25, "test": 0.25}


@dataclass
class TrainingStudy:
    study: Study
    mosaics: list[Mosaic]
    positive: list[bool]


def bright_squares(rng: np.random.Generator, size: int, squares: list[tuple[int, int]]) -> np.ndarray:
    pixels = textured(rng, size, size, 60)
    for x, y in squares:
        pixels[y : y + 2 * TILE, x : x + 2 * TILE] = textured(rng, 2 * TILE, 2 * TILE, 170)
    return pixels


def write_pyramid(mosaic: Mosaic, pixels: np.ndarray) -> None:
    """The ingest's own writer (with the pixel size in the file, as ingested pyramids have it)."""
    import pyvips

    directory = mosaic_dir(mosaic.pk)
    directory.mkdir(parents=True, exist_ok=True)
    image = pyvips.Image.new_from_array(np.ascontiguousarray(pixels, dtype=np.uint8))
    write_platform_pyramid(image, directory / PYRAMID_NAME, thumbnail=directory / THUMBNAIL_NAME,
                           um_per_px=mosaic.um_per_px or 0.5)  # fmt: skip
    mosaic.pyramid_path = to_relative(directory / PYRAMID_NAME)
    mosaic.thumbnail_path = to_relative(directory / THUMBNAIL_NAME)
    mosaic.height, mosaic.width = pixels.shape
    mosaic.status, mosaic.progress = MosaicStatus.READY, 100
    mosaic.save()


def training_study(count: int = 8, *, size: int = 128, seed: int = 0, study: Study | None = None,
                   start: int = 0) -> TrainingStudy:  # fmt: skip
    """``count`` ready, read mosaics (all but every fourth positive), tiles of ``TILE`` px for the label sets."""
    rng = np.random.default_rng(seed + start)
    if study is None:
        study = make_study(("ann",))
        study.project.agreement_tile_px = TILE
        study.project.save(update_fields=["agreement_tile_px"])
    mosaics, positive = [], []
    for index in range(start, start + count):
        is_positive = index % 4 != 3
        squares = [(int(rng.integers(0, 2)) * TILE, int(rng.integers(0, 2)) * TILE)] if is_positive else []
        mosaic = study.mosaic(f"m{index}", patient=f"P{index}", width=size, height=size)
        write_pyramid(mosaic, bright_squares(rng, size, squares))
        (read,) = study.assign(mosaic, "ann")
        submit(read, [("clefting", rect(x, y, x + 2 * TILE, y + 2 * TILE)) for x, y in squares])
        mosaics.append(mosaic)
        positive.append(is_positive)
    return TrainingStudy(study, mosaics, positive)


def export_labelset(study: Study, **options: Any) -> LabelSet:
    options = {"split_fractions": SPLITS, "mask_downsample": 1, "seed": 1, **options}
    labelset = labelset_create(project=study.project, by=None, **options)
    return labelset_build(labelset_id=labelset.pk)


def registered_tiny_model(study: Study, directory: Path, *, tile_size: int = TILE, um_per_px: float = 0.5,
                          threshold: float = 0.5, seed: int = 0) -> RegisteredModel:  # fmt: skip
    import torch

    torch.manual_seed(seed)
    config = tiny_classifier_config(tile_size=tile_size, um_per_px=um_per_px, threshold=threshold)
    saved = save_model(create_model(config), config, directory / f"model-{seed}-{tile_size}")
    return model_register(project=study.project, weights=saved.weights_path, config=saved.config_path, by=None)
