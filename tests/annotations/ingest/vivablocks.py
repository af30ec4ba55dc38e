"""VivaBlock exports for tests: a known image cut into numbered frames with a banner under each."""

import json
from pathlib import Path

import numpy as np
from PIL import Image

from . import images


def make_vivablock(
    folder: Path,
    *,
    columns: int,
    rows: int,
    frame: int = 120,
    banner: int = 14,
    order: str = "raster",
    banner_style: str = "text",
    layout: bool = False,
) -> np.ndarray:
    """Write the frames of a (columns*frame) x (rows*frame) image; returns that image."""
    folder.mkdir(parents=True, exist_ok=True)
    whole = images.gray8(columns * frame, rows * frame, seed=7)
    rng = np.random.default_rng(1)
    for index in range(columns * rows):
        row, column = divmod(index, columns)
        if order == "serpentine" and row % 2:
            column = columns - 1 - column
        tile = whole[row * frame : (row + 1) * frame, column * frame : (column + 1) * frame]
        if banner_style == "text":  # white glyph-like specks on a flat black strip
            strip = np.where(rng.random((banner, frame)) < 0.15, 255, 0).astype(np.uint8)
        else:  # a noisy strip: only the square-frame convention can find it
            strip = rng.integers(0, 256, (banner, frame), dtype=np.uint8)
        Image.fromarray(np.vstack([tile, strip])).save(folder / f"v{index:07d}.bmp")
    if layout:
        (folder / "vivablock.json").write_text(json.dumps({"columns": columns, "rows": rows, "order": order}))
    return whole
