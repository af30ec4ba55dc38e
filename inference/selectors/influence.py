"""How the AI changed reads: per reader, per center (the case's) and overall, for one project.

- ``dice_unaided_aided``: mean Dice, over mosaics, between the union of the reader's
  unaided read's regions and its submitted aided read's (both empty: 1); only
  ``unaided_then_aided`` produces such pairs.
- ``suggestions_shown``: suggestions of the current runs on the mosaics where the
  reader decided in a read (its aided read under ``unaided_then_aided``, its reader
  read ``from_start``); ``adopted`` (accepted or edited), ``edited``, ``rejected``:
  each suggestion counted once, by the reader's last decision on it;
  ``adoption_rate`` = adopted / shown.
- ``adopted_false_positives``: adopted suggestions less than half inside the
  mosaic's submitted consensus (a consensus that has no region there says the area
  is benign); ``adopted_against_consensus`` counts the adopted suggestions whose
  mosaic has a consensus at all (null rate while none has).

Simplification: decisions on suggestions a re-run has since replaced are not
counted (the shown count is of the current run), so the rate stays a share.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from shapely import unary_union
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from annotations.models import Project, Read, ReadKind, ReadStatus, Region
from inference.models import DecisionKind, Suggestion, SuggestionDecision

INSIDE_FRACTION = 0.5


@dataclass
class Tally:
    dice: list[float] = field(default_factory=list)
    shown: int = 0
    adopted: int = 0
    edited: int = 0
    rejected: int = 0
    against_consensus: int = 0
    false_positives: int = 0
    mosaics: set[int] = field(default_factory=set)

    def add(self, other: "Tally") -> None:
        self.dice += other.dice
        for name in ("shown", "adopted", "edited", "rejected", "against_consensus", "false_positives"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.mosaics |= other.mosaics

    def to_json(self) -> dict[str, Any]:
        return {
            "mosaics": len(self.mosaics),
            "read_pairs": len(self.dice),
            "dice_unaided_aided": round(fmean(self.dice), 4) if self.dice else None,
            "suggestions_shown": self.shown,
            "adopted": self.adopted,
            "edited": self.edited,
            "rejected": self.rejected,
            "adoption_rate": round(self.adopted / self.shown, 4) if self.shown else None,
            "adopted_against_consensus": self.against_consensus,
            "adopted_false_positives": self.false_positives if self.against_consensus else None,
        }


def _union(read_id: int, regions: dict[int, list[dict[str, Any]]]) -> BaseGeometry:
    return unary_union([shape(geometry) for geometry in regions.get(read_id, [])])


def dice(a: BaseGeometry, b: BaseGeometry) -> float:
    total = a.area + b.area
    return 1.0 if total == 0 else 2 * a.intersection(b).area / total


def _tally_reader_mosaic(
    reader_reads: dict[str, Read], suggestions: list[Suggestion], decisions: list[SuggestionDecision],
    consensus: BaseGeometry | None, regions: dict[int, list[dict[str, Any]]],
) -> Tally:  # fmt: skip
    tally = Tally()
    unaided, aided = reader_reads.get(ReadKind.READER), reader_reads.get(ReadKind.AIDED)
    if unaided is not None and aided is not None and unaided.status == aided.status == ReadStatus.SUBMITTED:
        tally.dice.append(dice(_union(unaided.pk, regions), _union(aided.pk, regions)))
    if decisions or aided is not None:
        tally.shown = len(suggestions)
    last: dict[int, SuggestionDecision] = {}
    for decision in decisions:
        last[decision.suggestion_ref] = decision
    current = {suggestion.pk: suggestion for suggestion in suggestions}
    for ref, decision in last.items():
        if ref not in current:
            continue
        if decision.decision == DecisionKind.REJECTED:
            tally.rejected += 1
            continue
        tally.adopted += 1
        tally.edited += decision.decision == DecisionKind.EDITED
        if consensus is not None:
            tally.against_consensus += 1
            outline = shape(current[ref].geometry)
            inside = outline.intersection(consensus).area if outline.area else 0.0
            tally.false_positives += inside < INSIDE_FRACTION * outline.area
    return tally


def ai_influence(*, project: Project) -> dict[str, Any]:
    """The report for ``project`` (callers check that the caller manages it)."""
    reads = list(
        Read.objects.filter(mosaic__case__project=project)
        .select_related("reader", "mosaic__case__center")
        .order_by("mosaic_id", "reader_id", "kind")
    )
    regions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for read_id, geometry in Region.objects.filter(read__in=[r.pk for r in reads]).values_list("read_id", "geometry"):
        regions[read_id].append(geometry)
    suggestions: dict[int, list[Suggestion]] = defaultdict(list)
    for suggestion in Suggestion.objects.filter(run__mosaic__case__project=project).select_related("run"):
        suggestions[suggestion.run.mosaic_id].append(suggestion)
    decisions: dict[int, list[SuggestionDecision]] = defaultdict(list)  # by read
    for decision in SuggestionDecision.objects.filter(read__in=[r.pk for r in reads]).order_by("created_at", "id"):
        decisions[decision.read_id].append(decision)
    by_pair: dict[tuple[int, int], dict[str, Read]] = defaultdict(dict)
    consensus: dict[int, BaseGeometry] = {}
    for read in reads:
        if read.kind == ReadKind.CONSENSUS:
            if read.status == ReadStatus.SUBMITTED:
                consensus[read.mosaic_id] = _union(read.pk, regions)
            continue
        by_pair[(read.reader_id, read.mosaic_id)][read.kind] = read
    per_reader: dict[str, Tally] = defaultdict(Tally)
    per_center: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    for (_, mosaic_id), pair in by_pair.items():
        any_read = next(iter(pair.values()))
        made = sorted((d for read in pair.values() for d in decisions.get(read.pk, [])), key=lambda d: (d.created_at, d.pk))
        tally = _tally_reader_mosaic(pair, suggestions.get(mosaic_id, []), made, consensus.get(mosaic_id), regions)
        if not tally.dice and not tally.shown:
            continue
        tally.mosaics.add(mosaic_id)
        per_reader[any_read.reader.get_username()].add(tally)
        per_center[any_read.mosaic.case.center.code].add(tally)
        overall.add(tally)
    return {
        "project": project.slug,
        "protocol": project.ai_protocol,
        "overall": overall.to_json(),
        "readers": [{"reader": name, **tally.to_json()} for name, tally in sorted(per_reader.items())],
        "centers": [{"center": code, **tally.to_json()} for code, tally in sorted(per_center.items())],
    }
