"""A run's per-epoch curves as SVG polylines (drawn on the server: no script, nothing for the CSP to allow)."""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 420, 180, 24


@dataclass(frozen=True)
class Curve:
    name: str
    points: str  # "x,y x,y ..." in the SVG's coordinates
    low: float
    high: float
    last: float | None


def curve(name: str, values: Sequence[float | None], *, low: float | None = None, high: float | None = None) -> Curve:
    """``values`` (one per epoch; None skipped) scaled into the plot box; ``low``/``high`` fix the y range."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if not known:
        return Curve(name, "", 0.0, 1.0, None)
    lo = min(v for _, v in known) if low is None else low
    hi = max(v for _, v in known) if high is None else high
    span_y, span_x = (hi - lo) or 1.0, max(1, len(values) - 1)
    points = " ".join(
        f"{PAD + (WIDTH - 2 * PAD) * i / span_x:.1f},{HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v - lo) / span_y:.1f}"
        for i, v in known
    )
    return Curve(name, points, lo, hi, known[-1][1])


def run_curves(history: Sequence[dict[str, object]]) -> list[Curve]:
    ordered = sorted(history, key=lambda item: int(item["epoch"]))  # type: ignore[call-overload]
    return [
        curve("training loss", [item.get("train_loss") for item in ordered]),  # type: ignore[misc]
        curve("validation AUROC", [item.get("val_auroc") for item in ordered], low=0.0, high=1.0),  # type: ignore[misc]
    ]
