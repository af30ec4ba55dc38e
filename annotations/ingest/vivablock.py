"""A VivaBlock export — a folder of numbered frames — stitched into one image.

Observed conventions (not a vendor specification): frames are named
``v0000000.bmp``, ``v0000001.bmp`` … in acquisition order; they tile a grid of
``columns x rows`` without overlap, row by row (``raster``) or with every other
row reversed (``serpentine``, the stage's back-and-forth path); the scanner may
burn a text banner (file name, stage position, depth) under each frame.

The grid comes from the caller or from a ``vivablock.json`` in the folder::

    {"columns": 8, "rows": 6, "order": "serpentine", "banner_rows": "auto"}

The banner is found, when ``banner_rows`` is "auto", by two general rules, in this
order: (1) a band at the bottom of the frames whose rows are mostly one value
(a flat background behind text), found in every frame sampled; (2) the square-frame
convention — frames are square (1000 x 1000 px for 0.5 x 0.5 mm), so any extra
rows below the square are the banner. An integer overrides both.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyvips

from .errors import IngestError
from .read import load, to_gray8
from .sniff import check_header, read_header

FRAME_PATTERN = re.compile(r"^v(\d+)\.(bmp|tif|tiff|png|jpg|jpeg)$", re.IGNORECASE)
LAYOUT_FILE = "vivablock.json"
ORDERS = ("raster", "serpentine")
# A banner row is "mostly one value" when that value covers at least this share of it.
BANNER_FLAT_SHARE = 0.6
BANNER_MAX_SHARE_OF_FRAME = 0.25
BANNER_SAMPLE_FRAMES = 8


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    order: str = "raster"
    banner_rows: int | None = None  # None: detect

    def position(self, index: int) -> tuple[int, int]:
        """(column, row) of the ``index``-th frame in acquisition order."""
        row, column = divmod(index, self.columns)
        if self.order == "serpentine" and row % 2 == 1:
            column = self.columns - 1 - column
        return column, row


def is_vivablock(path: Path) -> bool:
    return path.is_dir() and any(FRAME_PATTERN.match(child.name) for child in path.iterdir())


def grid_from_folder(folder: Path) -> Grid | None:
    """The grid written in ``vivablock.json`` in the folder, if any."""
    layout = folder / LAYOUT_FILE
    if not layout.is_file():
        return None
    try:
        data = json.loads(layout.read_text())
        banner = data.get("banner_rows", "auto")
        return make_grid(
            columns=int(data["columns"]),
            rows=int(data["rows"]),
            order=str(data.get("order", "raster")),
            banner_rows=None if banner in (None, "auto") else int(banner),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise IngestError(f"{layout} is not a valid layout ({error}); see the VivaBlock format in the docs") from error


def make_grid(*, columns: int, rows: int, order: str = "raster", banner_rows: int | None = None) -> Grid:
    if columns < 1 or rows < 1:
        raise IngestError(f"a VivaBlock grid needs at least 1 column and 1 row, not {columns} x {rows}")
    if order not in ORDERS:
        raise IngestError(f"unknown frame order {order!r}; use 'raster' or 'serpentine'")
    if banner_rows is not None and banner_rows < 0:
        raise IngestError("banner_rows cannot be negative")
    return Grid(columns, rows, order, banner_rows)


def parse_grid(text: str) -> tuple[int, int]:
    """'8x6' -> (8 columns, 6 rows)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"grid {text!r} is not COLUMNSxROWS, e.g. 8x6")
    return int(match.group(1)), int(match.group(2))


def frames_in(folder: Path) -> list[Path]:
    """The frames in acquisition order (by their number, not by name sorting)."""
    numbered = [(int(m.group(1)), child) for child in folder.iterdir() if (m := FRAME_PATTERN.match(child.name))]
    return [path for _, path in sorted(numbered)]


def check_frames(folder: Path, grid: Grid) -> list[Path]:
    """The grid's frames, or an error naming the missing ones."""
    by_number = {int(m.group(1)): child for child in folder.iterdir() if (m := FRAME_PATTERN.match(child.name))}
    if not by_number:
        raise IngestError(f"{folder.name}: no frames named like v0000000.bmp")
    first = min(by_number)
    expected = range(first, first + grid.columns * grid.rows)
    missing = [number for number in expected if number not in by_number]
    if missing:
        shown = ", ".join(f"v{n:07d}" for n in missing[:10]) + (" …" if len(missing) > 10 else "")
        raise IngestError(
            f"{folder.name}: {len(missing)} of {len(expected)} frames are missing for a {grid.columns} x {grid.rows} "
            f"grid ({shown}); export the whole VivaBlock again or give the right grid"
        )
    extra = len(by_number) - len(expected)
    if extra:
        raise IngestError(
            f"{folder.name}: {len(by_number)} frames do not fit a {grid.columns} x {grid.rows} grid "
            f"({extra} too many); give the right grid"
        )
    return [by_number[number] for number in expected]


def detect_banner_rows(frames: list[np.ndarray]) -> tuple[int, str]:
    """How many rows at the bottom of each frame are banner, and which rule said so."""
    height, width = frames[0].shape
    limit = int(height * BANNER_MAX_SHARE_OF_FRAME)
    flat_rows = min(_flat_bottom_rows(frame, limit) for frame in frames)
    if flat_rows > 0:
        return flat_rows, "flat band at the bottom of every frame"
    if height > width:
        return height - width, "square-frame convention (rows below the square)"
    return 0, "none found"


def _flat_bottom_rows(frame: np.ndarray, limit: int) -> int:
    """Consecutive rows from the bottom where one value covers most of the row."""
    rows = frame[frame.shape[0] - limit :][::-1]
    counts = np.apply_along_axis(lambda row: np.bincount(row, minlength=256).max(), 1, rows)
    flat = counts >= BANNER_FLAT_SHARE * frame.shape[1]
    return int(limit if flat.all() else np.argmin(flat))


def stitch(folder: Path, grid: Grid, *, max_pixels: int) -> tuple[pyvips.Image, dict[str, Any]]:
    """The frames placed on their grid, banners cropped; one uchar band."""
    paths = check_frames(folder, grid)
    headers = [read_header(path) for path in paths]
    first = headers[0]
    if any((h.width, h.height) != (first.width, first.height) for h in headers):
        odd = next(
            p.name for p, h in zip(paths, headers, strict=True) if (h.width, h.height) != (first.width, first.height)
        )
        raise IngestError(f"{folder.name}: frame {odd} is not {first.width} x {first.height} like the others")
    total = grid.columns * grid.rows * first.pixels
    for header in headers:
        check_header(header, max_pixels=max_pixels)
    if total > max_pixels:
        raise IngestError(f"the stitched mosaic would have {total:,} pixels, above the limit of {max_pixels:,}")
    images = []
    conversions: set[str] = set()
    for path, header in zip(paths, headers, strict=True):
        gray, info = to_gray8(load(path, header, sequential=False), header)
        conversions.update(info["conversions"])
        images.append(gray)
    if grid.banner_rows is None:
        sample = [
            images[i].numpy()
            for i in np.linspace(0, len(images) - 1, min(len(images), BANNER_SAMPLE_FRAMES)).astype(int)
        ]
        banner, rule = detect_banner_rows(sample)
    else:
        banner, rule = grid.banner_rows, "given"
    if banner >= first.height:
        raise IngestError(f"a banner of {banner} rows leaves nothing of {first.height}-row frames")
    cropped = [image.crop(0, 0, image.width, image.height - banner) for image in images]
    placed: list[pyvips.Image | None] = [None] * len(cropped)
    for index, image in enumerate(cropped):
        column, row = grid.position(index)
        placed[row * grid.columns + column] = image
    mosaic = pyvips.Image.arrayjoin(placed, across=grid.columns)
    info = {
        "format": "vivablock",
        "frame_format": first.format,
        "frames": len(paths),
        "grid": {"columns": grid.columns, "rows": grid.rows, "order": grid.order},
        "frame_size": [first.width, first.height],
        "banner_rows_cropped": banner,
        "banner_rule": rule,
        "width": mosaic.width,
        "height": mosaic.height,
        "channels": first.channels,
        "bits_per_sample": first.bits_per_sample,
        "conversions": sorted(conversions),
    }
    return mosaic, info
