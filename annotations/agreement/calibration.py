"""A reader measured against a consensus: pixel sensitivity and precision, overall and per label.

The same band sweep as agreement (``pixels.tally_pair``, consensus as ``a``):
sensitivity = pixels both marked / consensus pixels (what of the consensus the
reader found), precision = pixels both marked / reader's pixels (what of the
reader's marks the consensus kept). A ratio with an empty denominator is
undefined (None, with a note): an empty consensus leaves sensitivity undefined,
a negative read leaves precision undefined.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from .mosaic import AgreementSettings, ReaderLabels
from .pixels import PixelCounts, tally_pair
from .raster import TileGrid, reader_shapes


def _ratios(counts: PixelCounts) -> dict[str, Any]:
    return {
        "sensitivity": counts.both / counts.a if counts.a else None,
        "precision": counts.both / counts.b if counts.b else None,
        "consensus_px": counts.a,
        "reader_px": counts.b,
        "both_px": counts.both,
    }


def reader_calibration(
    reader: ReaderLabels,
    consensus: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    width: int,
    height: int,
    settings: AgreementSettings | None = None,
) -> dict[str, Any]:
    """``{"reader", "sensitivity", "precision", "consensus_px", "reader_px", "both_px", "labels": {...}, "notes"}``."""
    settings = settings or AgreementSettings()
    grid = TileGrid(width, height, settings.tile_px)
    tally = tally_pair(grid, reader_shapes(consensus), reader_shapes(reader.regions),
                       band_pixels=settings.band_pixels)  # fmt: skip
    result = {"reader": reader.reader, **_ratios(tally.overall)}
    result["labels"] = {label: _ratios(counts) for label, counts in sorted(tally.per_label.items())}
    notes = {}
    if result["sensitivity"] is None:
        notes["sensitivity"] = "undefined: the consensus marks nothing"
    if result["precision"] is None:
        notes["precision"] = "undefined: the reader marked nothing"
    result["notes"] = notes
    return result
