"""Build ready mosaics for tests without going through ingest.

Writes a real tiled pyramidal TIFF with pyvips into the storage layout of
``annotations.storage`` and marks the mosaic ready, so tile, reading and browser
tests don't depend on the ingest pipeline.
"""

from typing import Any

import numpy as np
import pyvips

from annotations.models import Mosaic, MosaicStatus
from annotations.storage import PYRAMID_NAME, THUMBNAIL_NAME, mosaic_dir, to_relative
from tests.factories import MosaicFactory


def textured_gray(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An 8-bit grayscale image with structure at several scales (not flat, not pure noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = 110 + 40 * np.sin(x / 37.0) * np.cos(y / 53.0) + 30 * np.sin((x + y) / 211.0)
    image += rng.normal(0, 12, size=(height, width)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_pyramid(mosaic: Mosaic, pixels: np.ndarray) -> None:
    directory = mosaic_dir(mosaic.pk)
    directory.mkdir(parents=True, exist_ok=True)
    image = pyvips.Image.new_from_array(pixels)
    pyramid = directory / PYRAMID_NAME
    image.tiffsave(str(pyramid), tile=True, tile_width=256, tile_height=256, pyramid=True, bigtiff=True,
                   compression="deflate", predictor="horizontal")  # fmt: skip
    thumbnail = directory / THUMBNAIL_NAME
    pyvips.Image.thumbnail(str(pyramid), 256).pngsave(str(thumbnail))
    mosaic.pyramid_path = to_relative(pyramid)
    mosaic.thumbnail_path = to_relative(thumbnail)
    mosaic.height, mosaic.width = pixels.shape
    mosaic.status = MosaicStatus.READY
    mosaic.progress = 100
    mosaic.save()


def ready_mosaic(pixels: np.ndarray | None = None, **factory_kwargs: Any) -> Mosaic:
    """A ready mosaic whose pyramid holds ``pixels`` (default: 1500 x 1200 textured gray)."""
    mosaic = MosaicFactory.create(**factory_kwargs)
    write_pyramid(mosaic, textured_gray(1500, 1200) if pixels is None else pixels)
    return mosaic
