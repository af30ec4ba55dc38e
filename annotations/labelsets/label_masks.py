"""Per-mosaic label masks as PNG at a stated downsample, one value per RCM feature, in bounded memory.

Value ``k + 1`` is ``labels[k]``, 0 is unlabelled (the value table goes into the
label set's ``labels.json``). Output pixel ``(i, j)`` at downsample ``d`` takes the
label of the region containing the point ``(d (j + 0.5), d (i + 0.5))`` (the
agreement's pixel-centre rule, ``annotations.agreement.raster``). Where regions
of different labels overlap, the **smaller region wins** (regions are burnt
largest first, as the viewer draws them), so a small feature drawn inside a
large one survives.

The mask is rasterised band by band into a raw file on disk and libvips streams
that file into the PNG, so a full-resolution 12,000² mask never sits in memory.
"""

import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyvips
from rasterio.enums import MergeAlg

from annotations.agreement.raster import BAND_PIXELS, ShapeIndex, rasterize_window
from annotations.geometry.shapes import Polygonal

MAX_MASK_LABELS = 255


def write_label_mask(
    path: Path,
    regions: Sequence[tuple[str, Polygonal]],
    *,
    width: int,
    height: int,
    labels: Sequence[str],
    downsample: int = 1,
    band_pixels: int = BAND_PIXELS,
) -> tuple[int, int]:
    """Write the PNG label mask of ``regions`` to ``path``; returns its ``(width, height)``."""
    if len(labels) > MAX_MASK_LABELS:
        raise ValueError(f"a PNG label mask holds at most {MAX_MASK_LABELS} labels")
    out_width, out_height = math.ceil(width / downsample), math.ceil(height / downsample)
    ordered = sorted(regions, key=lambda region: -region[1].area)
    index = ShapeIndex([geometry for _, geometry in ordered], [labels.index(label) + 1 for label, _ in ordered])
    rows = max(1, band_pixels // out_width)
    descriptor, raw_name = tempfile.mkstemp(suffix=".raw", dir=path.parent)
    os.close(descriptor)
    try:
        raw = np.memmap(raw_name, dtype=np.uint8, mode="w+", shape=(out_height, out_width))
        for y0 in range(0, out_height, rows):
            y1 = min(out_height, y0 + rows)
            chosen = index.in_rows(y0 * downsample, y1 * downsample)
            raw[y0:y1] = rasterize_window(
                [(index.mapped[i], index.values[i]) for i in chosen], x0=0, y0=y0, width=out_width,
                height=y1 - y0, dtype=np.uint8, downsample=downsample, merge=MergeAlg.replace,
            )  # fmt: skip
        raw.flush()
        del raw
        image = pyvips.Image.rawload(raw_name, out_width, out_height, 1)
        image.copy(interpretation="b-w").pngsave(str(path), compression=6)
    finally:
        os.unlink(raw_name)
    return out_width, out_height
