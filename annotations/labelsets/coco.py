"""COCO instances for the detector: one instance per connected area of one label, as RLE.

Polygons cannot express holes (COCO treats the rings of a polygon segmentation
as separate filled parts), so every instance is a **compressed RLE** mask, which
pycocotools decodes to exactly the pixels that the agreement's pixel-centre rule
gives (``annotations.agreement.raster``), holes included. An instance is a
connected part of the union of the mosaic's regions of one label.

COCO's RLE runs down the columns of the whole image. An instance is rasterised
over its bounding box only (a chunk of at most ``CHUNK_PIXELS`` at a time), the
starts and ends of its runs of ones are mapped to positions in the image's
column-major order, and everything else is zeros: a 12,000² mosaic never needs
a whole-image array, and a small lesion costs its own box. pycocotools
compresses the runs (``frPyObjects``) and computes area and bounding box.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from pycocotools import mask as coco_mask

from annotations.agreement.raster import rasterize_window
from annotations.geometry.shapes import Polygonal

CHUNK_PIXELS = 16_000_000


def _run_bounds(
    geometry: Polygonal, *, box: tuple[int, int, int, int], image_height: int, downsample: int
) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) ends of the runs of ones, as indices into the image's column-major order.

    The geometry is rasterised over its bounding ``box`` (x0, y0, x1, y1 in output pixels) only, a chunk of
    columns at a time, with a zero row above and below so that every run starts and ends inside a column.
    """
    x0, y0, x1, y1 = box
    rows = y1 - y0 + 2
    step = max(1, CHUNK_PIXELS // rows)
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for left in range(x0, x1, step):
        right = min(x1, left + step)
        padded = np.zeros((rows, right - left), dtype=np.int8)
        padded[1:-1] = rasterize_window([(geometry, 1)], x0=left, y0=y0, width=right - left, height=rows - 2,
                                        dtype=np.uint8, downsample=downsample)  # fmt: skip
        steps = np.diff(padded.T.ravel())
        for found, change in ((starts, 1), (ends, -1)):
            column, row = np.divmod(np.flatnonzero(steps == change) + 1, rows)
            found.append((left + column) * image_height + y0 + row - 1)
    return np.concatenate(starts or [np.empty(0, np.int64)]), np.concatenate(ends or [np.empty(0, np.int64)])


def instance_rle(geometry: Polygonal, *, width: int, height: int, downsample: int = 1) -> dict[str, Any] | None:
    """Compressed COCO RLE of ``geometry`` on the ``width`` x ``height`` mosaic at ``downsample``.

    None when no output pixel centre falls inside (a sliver below the pixel grid).
    """
    out_width, out_height = math.ceil(width / downsample), math.ceil(height / downsample)
    min_x, min_y, max_x, max_y = geometry.bounds
    box = (max(0, math.floor(min_x / downsample)), max(0, math.floor(min_y / downsample)),
           min(out_width, math.ceil(max_x / downsample)), min(out_height, math.ceil(max_y / downsample)))  # fmt: skip
    if box[0] >= box[2] or box[1] >= box[3]:
        return None
    starts, ends = _run_bounds(geometry, box=box, image_height=out_height, downsample=downsample)
    if not len(starts):
        return None
    # A run that reaches a column's last row and goes on at the next column's first row is one run.
    joined = starts[1:] != ends[:-1]
    starts = np.concatenate([starts[:1], starts[1:][joined]])
    ends = np.concatenate([ends[:-1][joined], ends[-1:]])
    bounds = np.column_stack([starts, ends]).ravel()
    counts = np.diff(np.concatenate([[0], bounds, [out_width * out_height]])).tolist()
    if counts[-1] == 0:
        counts.pop()  # the last run reaches the image's end: no trailing zeros (as pycocotools writes it)
    rle = coco_mask.frPyObjects({"counts": counts, "size": [out_height, out_width]}, out_height, out_width)
    return {"size": [out_height, out_width], "counts": rle["counts"].decode("ascii")}


def coco_annotations(
    regions: Sequence[tuple[str, Polygonal]],
    *,
    image_id: int,
    first_id: int,
    width: int,
    height: int,
    categories: Sequence[str],
    downsample: int = 1,
) -> list[dict[str, Any]]:
    """COCO annotation dicts of one mosaic's regions (ids from ``first_id``; category id = index + 1)."""
    by_label: dict[str, list[Polygonal]] = {}
    for label, geometry in regions:
        by_label.setdefault(label, []).append(geometry)
    annotations: list[dict[str, Any]] = []
    for label in sorted(by_label, key=categories.index):
        for part in shapely.get_parts(shapely.union_all(by_label[label])):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            rle = instance_rle(part, width=width, height=height, downsample=downsample)
            if rle is None:
                continue
            encoded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
            annotations.append({
                "id": first_id + len(annotations),
                "image_id": image_id,
                "category_id": categories.index(label) + 1,
                "segmentation": rle,
                "area": int(coco_mask.area(encoded)),
                "bbox": [float(v) for v in coco_mask.toBbox(encoded)],
                "iscrowd": 0,
            })  # fmt: skip
    return annotations


def coco_document(
    images: list[dict[str, Any]], annotations: list[dict[str, Any]], categories: Sequence[str], info: dict[str, Any]
) -> dict[str, Any]:
    return {
        "info": info,
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": index + 1, "name": label, "supercategory": "suspicious"} for index, label in enumerate(categories)
        ],  # fmt: skip
    }
