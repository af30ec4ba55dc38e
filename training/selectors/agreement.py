"""The readers' own agreement on a set of mosaics: the ceiling a model's pixel Dice is measured against."""

from collections.abc import Sequence
from typing import Any

from annotations.models import AgreementResult


def reader_agreement(*, mosaic_ids: Sequence[int]) -> dict[str, Any]:
    """Pooled pixel Dice and mean tile kappa of every stored reader pair on ``mosaic_ids`` ({} when none).

    Read from the stored agreement results (``annotations.agreement``); a pair whose
    computation failed or is not yet stored is left out, and ``n_pairs`` says how many went in.
    """
    results = list(AgreementResult.objects.filter(mosaic_id__in=list(mosaic_ids), row__isnull=False))
    rows: list[dict[str, Any]] = [result.row for result in results if result.row]
    if not rows:
        return {}
    both = sum(row["pixels"]["both"] for row in rows)
    total = sum(row["pixels"]["a"] + row["pixels"]["b"] for row in rows)
    kappas = [row["tile_kappa"] for row in rows if row.get("tile_kappa") is not None]
    return {
        "pixel_dice": 2 * both / total if total else None,
        "tile_kappa": sum(kappas) / len(kappas) if kappas else None,
        "n_pairs": len(rows),
        "n_mosaics": len({result.mosaic_id for result in results}),
    }
