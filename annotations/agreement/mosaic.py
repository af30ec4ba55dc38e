"""Agreement of two reads of one mosaic: the row the platform stores, prints and serves.

Inputs are plain values (``MosaicInfo``, ``ReaderLabels``: regions as stored,
``(label, GeoJSON geometry)`` in full-resolution pixels), so the Celery task,
the command and the tests call the same function without the ORM. The output
is a JSON-ready dict (see ``mosaic_agreement``); every metric whose value rests
on a convention or is undefined has a sentence under ``notes[metric]``.
"""

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .distance import boundary_distance
from .kappa import cohen_kappa
from .lesions import match_lesions
from .pixels import dice_iou, tally_pair
from .raster import BAND_PIXELS, ReaderShapes, TileGrid, reader_shapes


@dataclass(frozen=True)
class AgreementSettings:
    """The project's agreement settings (tile size in mosaic pixels at full resolution)."""

    tile_px: int = 224
    positive_fraction: float = 0.5  # a tile is positive when its labelled fraction reaches this
    lesion_iou: float = 0.5
    outline_spacing_px: float = 1.0
    hausdorff_percentile: float = 95.0
    band_pixels: int = BAND_PIXELS

    def __post_init__(self) -> None:
        if self.tile_px <= 0:
            raise ValueError(f"the tile size must be a positive number of pixels, not {self.tile_px}")
        if not 0 < self.positive_fraction <= 1:
            raise ValueError(f"the positive-tile fraction must be in (0, 1], not {self.positive_fraction}")
        if not 0 < self.lesion_iou <= 1:
            raise ValueError(f"the lesion IoU threshold must be in (0, 1], not {self.lesion_iou}")
        if self.outline_spacing_px <= 0 or not 0 < self.hausdorff_percentile <= 100:
            raise ValueError("the outline spacing must be positive and the Hausdorff percentile in (0, 100]")


@dataclass(frozen=True)
class MosaicInfo:
    id: int
    name: str  # the source file's stem
    width: int
    height: int
    um_per_px: float


@dataclass(frozen=True)
class ReaderLabels:
    """One submitted read: who, its regions as stored, its case diagnosis ("" if none)."""

    reader: str
    regions: Sequence[tuple[str, Mapping[str, Any]]]
    diagnosis: str = ""


def tile_positive(fractions: np.ndarray, settings: AgreementSettings) -> np.ndarray:
    """Tile labels: labelled fraction at or above the project's threshold."""
    return fractions >= settings.positive_fraction


def mosaic_agreement(
    mosaic: MosaicInfo, a: ReaderLabels, b: ReaderLabels, *, settings: AgreementSettings | None = None
) -> dict[str, Any]:
    """Agreement of reads ``a`` and ``b`` of ``mosaic``.

    Keys: ``mosaic``, ``name``, ``readers``, ``dice``, ``iou``, ``tile_kappa``,
    ``lesion_f1``, ``lesion_precision``, ``lesion_recall`` (a is the reference),
    ``hausdorff95_um``, ``hausdorff_um``, ``diagnosis_agree``, ``diagnoses``,
    ``pixels`` (a, b, both), ``labels`` (per label: dice, iou, a_px, b_px,
    both_px), ``tiles`` (size_px, positive_fraction, count, confusion
    [[a-b-, a-b+], [a+b-, a+b+]]), ``lesions`` (counts), ``notes``.
    """
    settings = settings or AgreementSettings()
    shapes_a, shapes_b = reader_shapes(a.regions), reader_shapes(b.regions)
    return pair_agreement(mosaic, (a.reader, shapes_a, a.diagnosis), (b.reader, shapes_b, b.diagnosis), settings)


def mosaic_pairs_agreement(
    mosaic: MosaicInfo, reads: Sequence[ReaderLabels], *, settings: AgreementSettings | None = None
) -> list[dict[str, Any]]:
    """``mosaic_agreement`` of every pair of ``reads`` (in the given order), each read prepared once."""
    settings = settings or AgreementSettings()
    prepared = [(read.reader, reader_shapes(read.regions), read.diagnosis) for read in reads]
    return [pair_agreement(mosaic, first, second, settings) for first, second in itertools.combinations(prepared, 2)]


def pair_agreement(
    mosaic: MosaicInfo,
    a: tuple[str, ReaderShapes, str],
    b: tuple[str, ReaderShapes, str],
    settings: AgreementSettings,
) -> dict[str, Any]:
    """``mosaic_agreement`` on prepared shapes (``(reader, shapes, diagnosis)`` each)."""
    (name_a, shapes_a, diagnosis_a), (name_b, shapes_b, diagnosis_b) = a, b
    notes: dict[str, str] = {}
    grid = TileGrid(mosaic.width, mosaic.height, settings.tile_px)
    tally = tally_pair(grid, shapes_a, shapes_b, band_pixels=settings.band_pixels)

    dice, iou, convention = dice_iou(tally.overall)
    if convention:
        notes["dice"] = notes["iou"] = convention
    labels = {}
    for label, counts in sorted(tally.per_label.items()):
        label_dice, label_iou, _ = dice_iou(counts)
        labels[label] = {"dice": label_dice, "iou": label_iou, "a_px": counts.a, "b_px": counts.b,
                         "both_px": counts.both}  # fmt: skip

    fractions_a, fractions_b = tally.tile_fractions()
    tiles_a = tile_positive(fractions_a, settings).ravel()
    tiles_b = tile_positive(fractions_b, settings).ravel()
    tile_kappa, kappa_note = cohen_kappa(tiles_a.tolist(), tiles_b.tolist())
    if kappa_note:
        notes["tile_kappa"] = f"tiles: {kappa_note}"
    confusion = [[int(np.sum(~tiles_a & ~tiles_b)), int(np.sum(~tiles_a & tiles_b))],
                 [int(np.sum(tiles_a & ~tiles_b)), int(np.sum(tiles_a & tiles_b))]]  # fmt: skip

    lesions = match_lesions(shapes_a.parts(), shapes_b.parts(), iou_threshold=settings.lesion_iou)
    if lesions.note:
        notes["lesion_f1"] = lesions.note

    distance = boundary_distance(
        shapes_a.any, shapes_b.any, um_per_px=mosaic.um_per_px, spacing=settings.outline_spacing_px,
        percentile=settings.hausdorff_percentile, names=(name_a, name_b),
    )  # fmt: skip
    if distance.note:
        notes["hausdorff95_um"] = distance.note

    diagnosis_agree = diagnosis_a == diagnosis_b if diagnosis_a and diagnosis_b else None
    if diagnosis_agree is None:
        notes["diagnosis_agree"] = "undefined: a read has no diagnosis"

    return {
        "mosaic": mosaic.id,
        "name": mosaic.name,
        "readers": [name_a, name_b],
        "dice": dice,
        "iou": iou,
        "tile_kappa": tile_kappa,
        "lesion_f1": lesions.f1,
        "lesion_precision": lesions.precision,
        "lesion_recall": lesions.recall,
        "hausdorff95_um": distance.hausdorff95_um,
        "hausdorff_um": distance.hausdorff_um,
        "diagnosis_agree": diagnosis_agree,
        "diagnoses": [diagnosis_a, diagnosis_b],
        "pixels": {"a": tally.overall.a, "b": tally.overall.b, "both": tally.overall.both},
        "labels": labels,
        "tiles": {
            "size_px": settings.tile_px,
            "positive_fraction": settings.positive_fraction,
            "count": int(tiles_a.size),
            "confusion": confusion,
        },  # fmt: skip
        "lesions": {**lesions.as_dict(), "iou_threshold": settings.lesion_iou},
        "notes": notes,
    }
