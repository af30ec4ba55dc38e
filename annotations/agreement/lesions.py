"""Lesion-level detection: connected suspicious areas of two reads matched one to one.

A lesion is a connected part of a read's suspicious area (the shapely union of
all its regions, whatever their labels, split into parts: regions that touch or
overlap are one lesion). Pairs are scored by IoU of their areas (continuous
shapely areas, not pixels), candidate pairs found with an STR-tree on bounding
boxes; the assignment maximising total IoU is scipy's Hungarian solver
(``linear_sum_assignment``), and an assigned pair counts as a match when its IoU
reaches the threshold (0.5 by default; above 0.5 a lesion can overlap only one
lesion that much, so the assignment then only confirms what the threshold says).

Read ``a`` is the reference: recall = matched / lesions of a, precision =
matched / lesions of b, F1 = 2 matched / (lesions of a + lesions of b). Two reads
without lesions agree (F1 = 1 by convention); one empty side gives F1 = 0 and
leaves the ratio with a zero denominator undefined (None).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment

from annotations.geometry.shapes import Polygonal

NO_LESIONS = "neither read has a lesion: precision=recall=f1=1 by convention"


@dataclass(frozen=True)
class LesionMatch:
    a_count: int
    b_count: int
    matched: int
    pairs: list[tuple[int, int, float]]  # (index in a, index in b, IoU) of matched lesions
    precision: float | None
    recall: float | None
    f1: float
    note: str | None

    def as_dict(self) -> dict[str, object]:
        return {"a": self.a_count, "b": self.b_count, "matched": self.matched, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}  # fmt: skip


def iou_matrix(a: Sequence[Polygonal], b: Sequence[Polygonal]) -> np.ndarray:
    """IoU of every lesion of ``a`` (rows) with every lesion of ``b`` (columns); 0 where apart."""
    ious = np.zeros((len(a), len(b)))
    if not a or not b:
        return ious
    tree = shapely.STRtree(list(b))
    rows, cols = tree.query(np.array(a, dtype=object), predicate="intersects")
    if len(rows):
        first = np.array(a, dtype=object)[rows]
        second = np.array(b, dtype=object)[cols]
        inter = shapely.area(shapely.intersection(first, second))
        union = shapely.area(first) + shapely.area(second) - inter
        ious[rows, cols] = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
    return ious


def match_lesions(a: Sequence[Polygonal], b: Sequence[Polygonal], *, iou_threshold: float = 0.5) -> LesionMatch:
    """Match lesions of ``a`` and ``b`` (see the module's docstring)."""
    ious = iou_matrix(a, b)
    pairs: list[tuple[int, int, float]] = []
    if ious.size:
        rows, cols = linear_sum_assignment(ious, maximize=True)
        pairs = [(int(r), int(c), float(ious[r, c])) for r, c in zip(rows, cols, strict=True)
                 if ious[r, c] >= iou_threshold]  # fmt: skip
    matched = len(pairs)
    if not a and not b:
        return LesionMatch(0, 0, 0, [], 1.0, 1.0, 1.0, NO_LESIONS)
    precision = matched / len(b) if b else None
    recall = matched / len(a) if a else None
    f1 = 2 * matched / (len(a) + len(b))
    return LesionMatch(len(a), len(b), matched, pairs, precision, recall, f1, None)
