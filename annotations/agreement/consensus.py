"""Where two or more reads differ, and what a consensus could start from.

**Disagreement map** (``disagreement_map``): the suspicious areas (all labels
together) that both readers marked, only the first, only the second, as a
GeoJSON FeatureCollection for the viewer's overlay (shapely boolean operations;
slivers under ``MIN_AREA_PX`` that two nearly equal outlines leave are dropped).

**Consensus proposals** (``consensus_proposals``), for the adjudicator to start
from: ``intersection`` (the area every reader marked: the default),
``union`` (the area any reader marked), and with three or more reads
``majority`` (the area more than half of the readers marked: the union of the
intersections of every ``n // 2 + 1`` reads). Labels are combined **per
feature** with the same rule, so an area where the readers agree on the label
keeps it. **Label conflicts**: where the rule keeps an area as suspicious but no
single label passes it (e.g. reader A says honeycomb, B says cobblestone), the
piece is proposed once, flagged ``"conflict": true`` with its ``candidates``,
and labelled with the candidate covering most of it (summed over readers; a tie
goes to the first in ``label_order``, by default alphabetical). The union never
conflicts: it keeps every reader's labels, overlapping where they differ.

**Disagreement components** (``disagreement_components``): what an
adjudicator resolves, one connected part at a time: the areas marked by only
some of the readers (for two reads, the only-A and only-B parts of the map),
and inside the area all marked, the parts where their labels differ.

Each proposal is a FeatureCollection of valid regions (one feature per
connected part, clipped to the mosaic through ``parse_region_geometry``) ready to
become the regions of a consensus read.
"""

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import shapely

from annotations.geometry.shapes import (
    MIN_AREA_PX,
    GeometryError,
    Polygonal,
    parse_region_geometry,
    polygonal_part,
    to_geojson,
)

from .mosaic import ReaderLabels
from .raster import ReaderShapes, reader_shapes

DEFAULT_PROPOSAL = "intersection"


def _clean(geometry: shapely.Geometry | None) -> Polygonal | None:
    """The polygonal parts of at least ``MIN_AREA_PX``, or None."""
    if geometry is None:
        return None
    polygonal = polygonal_part(geometry)
    if polygonal is None:
        return None
    parts = [part for part in shapely.get_parts(polygonal) if part.area >= MIN_AREA_PX]
    return polygonal_part(shapely.union_all(parts)) if parts else None


def _feature(geometry: Polygonal, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": to_geojson(geometry), "properties": properties}


def disagreement_map(a: ReaderLabels, b: ReaderLabels) -> dict[str, Any]:
    """Areas marked by both, only ``a``, only ``b`` (properties ``kind``, ``readers``, ``area_px``)."""
    area_a, area_b = reader_shapes(a.regions).any, reader_shapes(b.regions).any
    pieces: list[tuple[str, list[str], shapely.Geometry | None]] = [
        ("both", [a.reader, b.reader], area_a.intersection(area_b) if area_a and area_b else None),
        ("only_a", [a.reader], area_a.difference(area_b) if area_a and area_b else area_a),
        ("only_b", [b.reader], area_b.difference(area_a) if area_a and area_b else area_b),
    ]
    features = []
    for kind, readers, geometry in pieces:
        cleaned = _clean(geometry)
        if cleaned is not None:
            features.append(_feature(cleaned, {"kind": kind, "readers": readers, "area_px": cleaned.area}))
    return {"type": "FeatureCollection", "features": features}


def _intersection(shapes: Sequence[Polygonal | None], count: int) -> shapely.Geometry | None:
    present = [shape for shape in shapes if shape is not None]
    return shapely.intersection_all(present) if len(present) == count and present else None


def _union(shapes: Sequence[Polygonal | None], count: int) -> shapely.Geometry | None:
    present = [shape for shape in shapes if shape is not None]
    return shapely.union_all(present) if present else None


def _majority(shapes: Sequence[Polygonal | None], count: int) -> shapely.Geometry | None:
    need = count // 2 + 1
    present = [shape for shape in shapes if shape is not None]
    if len(present) < need:
        return None
    return shapely.union_all([shapely.intersection_all(list(combo)) for combo in itertools.combinations(present, need)])


RULES: dict[str, Callable[[Sequence[Polygonal | None], int], shapely.Geometry | None]] = {
    "intersection": _intersection,
    "union": _union,
    "majority": _majority,
}


def _proposal(
    reads: Sequence[ReaderShapes], rule: str, *, width: int, height: int, label_order: Sequence[str]
) -> dict[str, Any]:
    combine = RULES[rule]
    count = len(reads)
    labels = sorted({label for read in reads for label in read.by_label}, key=label_order.index)
    labelled: list[tuple[str, Polygonal]] = []
    for label in labels:
        combined = _clean(combine([read.by_label.get(label) for read in reads], count))
        if combined is not None:
            labelled.append((label, combined))
    features = [_region_features(geometry, {"label": label, "conflict": False}, width, height)
                for label, geometry in labelled]  # fmt: skip
    area = _clean(combine([read.any for read in reads], count))
    if area is not None and rule != "union":
        covered = shapely.union_all([geometry for _, geometry in labelled]) if labelled else None
        rest = _clean(area.difference(covered) if covered is not None else area)
        for piece in shapely.get_parts(rest) if rest is not None else []:
            votes = {label: sum(read.by_label[label].intersection(piece).area for read in reads
                                if label in read.by_label) for label in labels}  # fmt: skip
            candidates = [label for label in labels if votes[label] > 0]
            if not candidates:
                continue
            chosen = max(candidates, key=lambda label: (votes[label], -label_order.index(label)))
            properties = {"label": chosen, "conflict": True, "candidates": candidates}
            features.append(_region_features(piece, properties, width, height))
    return {"type": "FeatureCollection", "features": [f for group in features for f in group]}


def _region_features(geometry: Polygonal, properties: dict[str, Any], width: int, height: int) -> list[dict[str, Any]]:
    """One validated region feature per connected part (parts too small to be regions are dropped)."""
    features = []
    for part in shapely.get_parts(geometry):
        try:
            shape = parse_region_geometry(to_geojson(part), width=width, height=height)
        except GeometryError:
            continue
        features.append(_feature(shape.geometry, {**properties, "area_px": shape.area}))
    return features


def consensus_proposals(
    reads: Sequence[ReaderLabels], *, width: int, height: int, label_order: Sequence[str] | None = None
) -> dict[str, Any]:
    """``{"default": "intersection", "intersection": FC, "union": FC[, "majority": FC]}`` (see module docstring).

    Feature properties: ``label``, ``conflict``, ``candidates`` (conflicts only), ``area_px``.
    """
    if len(reads) < 2:
        raise ValueError("a consensus needs at least two reads")
    shapes = [reader_shapes(read.regions) for read in reads]
    order = list(label_order) if label_order is not None else []
    order += sorted({label for s in shapes for label in s.by_label} - set(order))
    rules = ["intersection", "union"] + (["majority"] if len(reads) >= 3 else [])
    result: dict[str, Any] = {"default": DEFAULT_PROPOSAL, "readers": [read.reader for read in reads]}
    for rule in rules:
        result[rule] = _proposal(shapes, rule, width=width, height=height, label_order=order)
    return result


def _labels_inside(shapes: ReaderShapes, piece: Polygonal) -> list[str]:
    """The labels a read gave inside ``piece``, by the area they cover there (largest first)."""
    areas = {label: geometry.intersection(piece).area for label, geometry in shapes.by_label.items()}
    return [label for label, area in sorted(areas.items(), key=lambda item: (-item[1], item[0])) if area >= MIN_AREA_PX]


def disagreement_components(reads: Sequence[ReaderLabels]) -> list[dict[str, Any]]:
    """Where the reads disagree, in connected parts an adjudicator decides one by one.

    - ``"extent"``: for each proper, non-empty subset of the readers, the area
      marked by exactly those readers (marked by every reader of the subset and
      by no other), in connected parts; for two reads these are the only-A and
      only-B parts of ``disagreement_map``.
    - ``"label"``: inside the area every reader marked, the connected parts where
      some label is given by some readers but not all (a label conflict).

    Each: ``{"kind", "geometry" (GeoJSON Polygon), "area_px", "marked_by"
    (indices of the reads that marked it), "labels" ([labels of each read
    inside it, largest share first])}``, extent parts first (by subset, then
    largest first), then label parts (largest first). Parts under
    ``MIN_AREA_PX`` are dropped.
    """
    if len(reads) < 2:
        raise ValueError("adjudication needs at least two reads")
    shapes = [reader_shapes(read.regions) for read in reads]
    count = len(shapes)
    components: list[dict[str, Any]] = []

    def add(kind: str, area: shapely.Geometry | None, marked_by: list[int]) -> None:
        cleaned = _clean(area)
        parts = sorted(shapely.get_parts(cleaned), key=lambda part: -part.area) if cleaned is not None else []
        for part in parts:
            components.append({
                "kind": kind, "geometry": to_geojson(part), "area_px": float(part.area), "marked_by": marked_by,
                "labels": [_labels_inside(read, part) if index in marked_by else [] for index, read in enumerate(shapes)],
            })  # fmt: skip

    for size in range(count - 1, 0, -1):
        for subset in itertools.combinations(range(count), size):
            inside = [shapes[index].any for index in subset]
            if any(area is None for area in inside):
                continue
            area = shapely.intersection_all(inside)
            outside = [shapes[index].any for index in range(count) if index not in subset]
            present = [other for other in outside if other is not None]
            add("extent", area.difference(shapely.union_all(present)) if present else area, list(subset))

    everyone = _intersection([read.any for read in shapes], count)
    if everyone is not None:
        labels = sorted({label for read in shapes for label in read.by_label})
        conflicts = []
        for label in labels:
            marked = [read.by_label.get(label) for read in shapes]
            some = _union(marked, count)
            all_ = _intersection(marked, count)
            if some is not None:
                conflicts.append(some.difference(all_) if all_ is not None else some)
        if conflicts:
            add("label", shapely.union_all(conflicts).intersection(everyone), list(range(count)))
    return components
