"""Existing labels (masks, QuPath GeoJSON) into regions: the Django-free half of ``import_labels``.

``regions_from_file`` turns one file into the ``(label, GeoJSON geometry)``
pairs a read's regions are made of, in full-resolution mosaic pixels, every
geometry passed through ``parse_region_geometry`` (valid, clipped, within the
vertex budget). Anything wrong with the file is one ``LabelImportError`` whose
message says what to fix; nothing is half-converted.

**Masks** (PNG, TIFF, NRRD; see ``masks``): value 0 is background. Each other
value is looked up in the label map (``{"2": "atypical_honeycomb"}``; the target
may be a label value or display name). A *binary* mask (one non-zero value, 1 or
255) with no map entry for it becomes ``default_label``; any other value missing
from the map is an error listing the values. Each connected area of one value
(4-connected, so that a diagonal touch never makes a self-touching outline)
becomes one region, vectorised by GDAL's polygonize (``rasterio.features.shapes``)
along pixel edges, holes kept, then simplified with shapely's topology-preserving
Douglas-Peucker at **0.5 px** (so every outline point stays within half a pixel
of the mask's pixel-edge outline and vice versa). A mask with no labelled pixel
is a valid negative read: an empty list.

**GeoJSON** (QuPath's "Export objects as GeoJSON": a FeatureCollection, a
single Feature, or the bare list of Features of older QuPath versions): each
Polygon or MultiPolygon feature is one region; its class is
``properties.classification.name`` (QuPath), or ``properties.classification``
as a string, or ``properties.label`` (this platform's export), looked up in the
label map first and then among the platform's labels; an unclassified feature
gets ``default_label``. Coordinates are full-resolution pixels with the origin
at the top-left (QuPath's convention and ours). Features of other geometry
types (points, lines) are an error naming them.

**Matching files to mosaics** (``match_label_files``): by the source file's
stem, or by a CSV with columns ``file,mosaic`` (mosaic id or stem).
"""

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rasterio import features

from annotations.geometry.shapes import GeometryError, parse_region_geometry, to_geojson

from .errors import LabelImportError
from .masks import DEFAULT_MAX_PIXELS, read_mask
from .vocabulary import resolve_feature

DEFAULT_LABEL = "other_suspicious"
SIMPLIFY_PX = 0.5
MAX_GEOJSON_BYTES = 512 * 1024**2
BINARY_VALUES = ({1}, {255})

Regions = list[tuple[str, dict[str, Any]]]


def regions_from_file(
    path: Path,
    *,
    width: int,
    height: int,
    label_map: Mapping[str, str] | None = None,
    known_labels: Mapping[str, str],
    default_label: str = DEFAULT_LABEL,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Regions:
    """The regions in the mask or GeoJSON file ``path`` for a ``width`` x ``height`` mosaic.

    ``label_map``: mask value or class name -> feature label (value or display
    name); ``known_labels``: the platform's labels, value -> display name.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(64)
    except OSError as error:
        raise LabelImportError(f"the file cannot be opened: {error.strerror or error}") from error
    if size == 0:
        raise LabelImportError("the file is empty (0 bytes)")
    label_map = {str(key): value for key, value in (label_map or {}).items()}
    default = resolve_feature(default_label, known_labels, where="the default label")
    if head.lstrip()[:1] in (b"{", b"["):
        if size > MAX_GEOJSON_BYTES:
            raise LabelImportError(f"the GeoJSON file is {size:,} bytes, above the limit of {MAX_GEOJSON_BYTES:,}")
        return regions_from_geojson(
            _load_json(path), width=width, height=height, label_map=label_map, known_labels=known_labels,
            default_label=default,
        )  # fmt: skip
    mask = read_mask(path, width=width, height=height, max_pixels=max_pixels)
    return regions_from_mask(mask, label_map=label_map, known_labels=known_labels, default_label=default)


def parse_label_map(items: Iterable[str]) -> dict[str, str]:
    """``["1=clefting", "Tumor=dark_shadows"]`` (the command's ``--label-map``) as a dict; ValueError if malformed."""
    mapping: dict[str, str] = {}
    for item in items:
        value, separator, feature = item.partition("=")
        if not separator or not value.strip() or not feature.strip():
            raise ValueError(f"label map entry {item!r} is not VALUE=FEATURE")
        if value.strip() in mapping:
            raise ValueError(f"label map names {value.strip()!r} twice")
        mapping[value.strip()] = feature.strip()
    return mapping


def _load_json(path: Path) -> Any:
    try:
        with path.open("rb") as stream:
            return json.load(stream)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LabelImportError(f"the GeoJSON file is not valid JSON: {error}") from error


# --- masks ------------------------------------------------------------------------


def mask_value_labels(
    values: Iterable[int], *, label_map: Mapping[str, str], known_labels: Mapping[str, str], default_label: str
) -> dict[int, str]:
    """The feature label of each non-zero mask value (see the module's docstring)."""
    values = sorted(int(value) for value in values if value != 0)
    labels: dict[int, str] = {}
    unknown = []
    for value in values:
        if str(value) in label_map:
            labels[value] = resolve_feature(label_map[str(value)], known_labels, where=f"label map entry {value}")
        elif set(values) in BINARY_VALUES:
            labels[value] = default_label
        else:
            unknown.append(value)
    if unknown:
        listed = ", ".join(str(value) for value in unknown[:20]) + (" ..." if len(unknown) > 20 else "")
        raise LabelImportError(
            f"the mask has label values {listed} that the label map does not name; "
            f"map each with --label-map VALUE=FEATURE (mapped: {', '.join(sorted(label_map)) or 'none'})"
        )
    return labels


def regions_from_mask(
    mask: np.ndarray, *, label_map: Mapping[str, str], known_labels: Mapping[str, str], default_label: str
) -> Regions:
    """Connected areas of equal non-zero value of a ``(height, width)`` label mask as regions."""
    height, width = mask.shape
    present = np.unique(mask)
    labels = mask_value_labels(present, label_map=label_map, known_labels=known_labels, default_label=default_label)
    if not labels:
        return []
    source = mask if mask.dtype in (np.uint8, np.uint16, np.int16, np.int32) else mask.astype(np.int32)
    regions: Regions = []
    for outline, value in features.shapes(source, mask=mask != 0, connectivity=4):
        polygon = shapely.geometry.shape(outline)
        simplified = shapely.simplify(polygon, SIMPLIFY_PX, preserve_topology=True)
        try:
            shape = parse_region_geometry(to_geojson(simplified), width=width, height=height)
        except GeometryError as error:
            x, y = polygon.representative_point().coords[0]
            raise LabelImportError(f"the area of value {int(value)} near ({x:.0f}, {y:.0f}): {error}") from error
        regions.append((labels[int(value)], shape.to_geojson()))
    return regions


# --- GeoJSON ----------------------------------------------------------------------


def _features(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise LabelImportError("the GeoJSON is neither a FeatureCollection, a Feature nor a list of Features")
    kind = data.get("type")
    if kind == "FeatureCollection":
        found = data.get("features")
        if not isinstance(found, list):
            raise LabelImportError("the FeatureCollection has no 'features' list")
        return found
    if kind == "Feature":
        return [data]
    if kind in ("Polygon", "MultiPolygon"):
        return [{"type": "Feature", "geometry": data, "properties": {}}]
    raise LabelImportError(f"the GeoJSON's type is {kind!r}; a FeatureCollection or Feature is expected")


def feature_class(properties: Mapping[str, Any]) -> str | None:
    """The class name of a QuPath (or this platform's) feature, or None when unclassified."""
    classification = properties.get("classification")
    if isinstance(classification, dict) and classification.get("name"):
        return str(classification["name"])
    if isinstance(classification, str) and classification:
        return classification
    label = properties.get("label")
    return str(label) if label else None


def regions_from_geojson(
    data: Any,
    *,
    width: int,
    height: int,
    label_map: Mapping[str, str],
    known_labels: Mapping[str, str],
    default_label: str,
) -> Regions:
    """Polygon features of a QuPath-style GeoJSON document as regions (see the module's docstring)."""
    regions: Regions = []
    unknown: set[str] = set()
    for index, feature in enumerate(_features(data)):
        where = f"feature {index + 1}"
        if not isinstance(feature, dict):
            raise LabelImportError(f"{where} is not a GeoJSON Feature object")
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            raise LabelImportError(
                f"{where} is a {kind or 'feature without geometry'}; only Polygon and MultiPolygon annotations "
                "can become regions (remove points and lines from the export)"
            )
        properties = feature.get("properties") or {}
        name = feature_class(properties if isinstance(properties, dict) else {})
        if name is None:
            label = default_label
        elif name in label_map:
            label = resolve_feature(label_map[name], known_labels, where=f"label map entry {name!r}")
        else:
            try:
                label = resolve_feature(name, known_labels, where=where)
            except LabelImportError:
                unknown.add(name)
                continue
        try:
            shape = parse_region_geometry(geometry, width=width, height=height)
        except GeometryError as error:
            raise LabelImportError(f"{where}: {error}") from error
        regions.append((label, shape.to_geojson()))
    if unknown:
        raise LabelImportError(
            f"classes {', '.join(sorted(repr(name) for name in unknown))} are not feature labels of this platform; "
            "map each with --label-map CLASS=FEATURE"
        )
    return regions


# --- which file is which mosaic ---------------------------------------------------

_SUFFIXES = re.compile(r"([._-](mask|masks|label|labels|labelmap|seg|segmentation|annotations?))+$", re.IGNORECASE)
_EXTENSIONS = {".png", ".tif", ".tiff", ".nrrd", ".nhdr", ".geojson", ".json", ".ome", ".bmp", ".jpg", ".jpeg"}


def file_stem(path: Path) -> str:
    """A label file's name without its extensions (``a.tif.geojson`` -> ``a``)."""
    name = path.name
    while Path(name).suffix.lower() in _EXTENSIONS:
        name = name[: -len(Path(name).suffix)]
    return name


@dataclass
class FileMatches:
    matched: list[tuple[Path, int]] = field(default_factory=list)
    unmatched: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)


def match_label_files(
    paths: Sequence[Path], *, mosaics: Mapping[int, str], mapping_csv: Path | None = None
) -> FileMatches:
    """Each file's mosaic: by the CSV (``file,mosaic``) when given, else by source file stem.

    ``mosaics`` is mosaic id -> source file stem. A stem shared by several
    mosaics, a file without a mosaic, and two files for one mosaic are reported
    as unmatched with the reason.
    """
    by_stem: dict[str, list[int]] = {}
    for mosaic_id, stem in mosaics.items():
        by_stem.setdefault(stem, []).append(mosaic_id)
    wanted = _csv_targets(mapping_csv) if mapping_csv is not None else None
    result = FileMatches()
    claimed: dict[int, Path] = {}
    for path in paths:
        target = (wanted.get(path.name) or wanted.get(str(path))) if wanted is not None else None
        if wanted is not None and target is None:
            result.unmatched.append((path, f"not listed in {mapping_csv}"))
            continue
        found, reason = _resolve_mosaic(target if target is not None else file_stem(path), by_stem, mosaics,
                                        by_stem_only=target is None)  # fmt: skip
        if found is None:
            result.unmatched.append((path, reason))
        elif found in claimed:
            result.unmatched.append((path, f"mosaic {found} already gets labels from {claimed[found].name}"))
        else:
            claimed[found] = path
            result.matched.append((path, found))
    return result


def _resolve_mosaic(
    key: str, by_stem: Mapping[str, list[int]], mosaics: Mapping[int, str], *, by_stem_only: bool
) -> tuple[int | None, str]:
    if not by_stem_only and key.isdigit() and int(key) in mosaics:
        return int(key), ""
    candidates = by_stem.get(key) or by_stem.get(_SUFFIXES.sub("", key)) or []
    if len(candidates) == 1:
        return candidates[0], ""
    if candidates:
        return None, f"several mosaics have the source name {key!r}; name the mosaic id in a file,mosaic CSV"
    return None, f"no mosaic of the project has the source name {key!r}"


def _csv_targets(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LabelImportError(f"the mapping CSV {path} cannot be read: {error}") from error
    if not rows or not {"file", "mosaic"} <= set(rows[0]):
        raise LabelImportError(f"the mapping CSV {path} needs the columns file,mosaic")
    return {row["file"].strip(): row["mosaic"].strip() for row in rows if row.get("file")}
