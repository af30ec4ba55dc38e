"""Instances for the detector: the labelled regions of each manifest tile as COCO segmentations.

Two sources, one result (``{tile key: [segmentation, …]}`` in the tile's own pixels,
decoded by pycocotools):

- a COCO instances dict, as the label set export writes it: each ``images`` entry
  carries the manifest's ``mosaic``, ``x``, ``y``, ``size`` besides its ``id``, and each
  annotation's ``segmentation`` (polygons or RLE) is in that tile's pixels;
- per-mosaic polygons in level-0 pixels (``{"m1": [[[x, y], …], …]}``, outer rings):
  each is clipped to the tile with shapely and mapped into tile pixels.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box

from inference.ml.data.manifest import ManifestTile

TileKey = tuple[str, int, int, int]


def instances_from_coco(coco: dict[str, Any]) -> dict[TileKey, list[Any]]:
    images = {image["id"]: image for image in coco.get("images", [])}
    found: dict[TileKey, list[Any]] = defaultdict(list)
    for annotation in coco.get("annotations", []):
        image = images.get(annotation.get("image_id"))
        if image is None or annotation.get("iscrowd", 0):
            continue
        key = (str(image["mosaic"]), int(image["x"]), int(image["y"]), int(image["size"]))
        found[key].append(annotation["segmentation"])
    return dict(found)


def instances_from_polygons(tiles: Iterable[ManifestTile], polygons: dict[str, list[Any]]) -> dict[TileKey, list[Any]]:
    shapes = {mosaic: [Polygon(ring).buffer(0) for ring in rings] for mosaic, rings in polygons.items()}
    found: dict[TileKey, list[Any]] = {}
    for tile in tiles:
        frame = box(tile.x, tile.y, tile.x + tile.size, tile.y + tile.size)
        segmentations = []
        for shape in shapes.get(tile.mosaic, []):
            clipped = shape.intersection(frame)
            if clipped.is_empty or clipped.area == 0:
                continue
            local = affinity.affine_transform(clipped, [1 / tile.scale, 0, 0, 1 / tile.scale,
                                                         -tile.x / tile.scale, -tile.y / tile.scale])  # fmt: skip
            parts = local.geoms if isinstance(local, MultiPolygon) else [local]
            rings = [list(np.asarray(p.exterior.coords).ravel()) for p in parts if isinstance(p, Polygon)]
            if rings:
                segmentations.append(rings)
        found[tile.key] = segmentations
    return found


def decode_masks(segmentations: list[Any], height: int, width: int) -> np.ndarray:
    """(N, height, width) uint8 masks, one per instance (polygons or RLE, COCO's conventions)."""
    masks = []
    for segmentation in segmentations:
        rles = coco_mask.frPyObjects(segmentation, height, width)
        rle = coco_mask.merge(rles) if isinstance(rles, list) else rles
        masks.append(coco_mask.decode(rle))
    return np.stack(masks) if masks else np.zeros((0, height, width), dtype=np.uint8)
