"""Agreement as leads see it: stored results, the project's aggregates, calibration, a mosaic's map.

Leads and admins only: every entry point takes a project or mosaic the caller
manages (``project_managed`` / ``mosaic_managed``; anyone else gets None, a 404),
so readers never learn agreement numbers, blind or not.

What is served is what the task stored (``annotations.services.agreement``):
*current* results only (their read versions and settings still those of the
reads and the project); ``pending`` names the mosaics whose results are missing
or stale, and ``aggregates_stale`` says when the stored aggregates were computed
from other results than the current ones. The per-mosaic rows are the rows
``mosaic_agreement`` returned, unchanged, so the API and ``manage.py agreement``
print the same numbers.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, F, Q

from annotations.agreement.aggregate import AgreementRecord
from annotations.agreement.consensus import disagreement_map
from annotations.models import (
    AgreementResult,
    AgreementSummary,
    CalibrationResult,
    Mosaic,
    Project,
    Read,
    ReadKind,
    ReadStatus,
)
from annotations.selectors.region_json import utc_timestamp

from .access import AnyUser, projects_managed_by
from .labels import agreement_settings, patient_key, reader_labels, settings_record

BOOTSTRAP_SEED = 0
# Orders of the per-mosaic rows (a leading "-": descending); an undefined value sorts last either way.
ROW_ORDERS = ("mosaic", "dice", "iou", "tile_kappa", "lesion_f1", "hausdorff95_um")
UNRECORDED = "unrecorded"  # the per-diagnosis group of cases without a diagnosis


def project_managed(*, user: AnyUser, slug: str) -> Project | None:
    return projects_managed_by(user=user).filter(slug=slug).first()


def mosaic_managed(*, user: AnyUser, mosaic_id: int) -> Mosaic | None:
    projects = projects_managed_by(user=user)
    return (
        Mosaic.objects.select_related("case__project", "case__center")
        .filter(pk=mosaic_id, case__project__in=projects)
        .first()
    )


def result_is_current(
    result: AgreementResult | CalibrationResult, *, versions: dict[int, int], settings: dict[str, Any]
) -> bool:
    """Whether a stored result still describes its reads (``versions``: read id -> version now) under ``settings``.

    The one definition of staleness in Python; ``current_results`` and
    ``calibration_report`` state it as a query.
    """
    if isinstance(result, AgreementResult):
        compared = ((result.read_a_id, result.read_a_version), (result.read_b_id, result.read_b_version))
    else:
        compared = ((result.read_id, result.read_version), (result.consensus_id, result.consensus_version))
    return all(versions.get(read) == version for read, version in compared) and result.settings == settings


def mosaics_due(project: Project) -> list[int]:
    """Mosaics with at least two reader reads, all submitted (their agreement can be computed)."""
    reader = Q(reads__kind=ReadKind.READER)
    return list(
        Mosaic.objects.filter(case__project=project)
        .annotate(reads_total=Count("reads", filter=reader),
                  reads_open=Count("reads", filter=reader & ~Q(reads__status=ReadStatus.SUBMITTED)))
        .filter(reads_total__gte=2, reads_open=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )  # fmt: skip


def current_results(project: Project) -> list[AgreementResult]:
    """The project's stored pair results that still describe its submitted reads under its settings."""
    recorded = settings_record(agreement_settings(project))
    results = (
        AgreementResult.objects.filter(
            mosaic__case__project=project,
            read_a_version=F("read_a__version"), read_b_version=F("read_b__version"),
            read_a__status=ReadStatus.SUBMITTED, read_b__status=ReadStatus.SUBMITTED,
        )
        .select_related("mosaic__case__center", "read_a", "read_b")
        .order_by("mosaic_id", "read_a_id", "read_b_id")
    )  # fmt: skip
    return [result for result in results if result.settings == recorded]


def results_fingerprint(results: Iterable[AgreementResult]) -> str:
    """Which results (and which computation of each) aggregates were made from."""
    digest = hashlib.sha256()
    for result in sorted(results, key=lambda r: r.pk):
        digest.update(f"{result.pk}:{result.computed_at.isoformat()}\n".encode())
    return digest.hexdigest()


def agreement_records(results: Sequence[AgreementResult]) -> list[AgreementRecord]:
    """Stored rows with their grouping keys: patient, center, case diagnosis, month of the later submission."""
    records = []
    for result in results:
        if result.row is None:
            continue
        case = result.mosaic.case
        submitted = [moment for moment in (result.read_a.submitted_at, result.read_b.submitted_at) if moment]
        records.append(AgreementRecord(
            row=result.row, patient=patient_key(case), center=case.center.code,
            diagnosis=case.diagnosis or UNRECORDED, month=max(submitted).strftime("%Y-%m") if submitted else "",
        ))  # fmt: skip
    return records


def _sort_key(order: str) -> Any:
    name = order.lstrip("-")
    descending = order.startswith("-")

    def key(row: dict[str, Any]) -> tuple[int, float, int]:
        value = row["mosaic"] if name == "mosaic" else row.get(name)
        if value is None:
            return (1, 0.0, row["mosaic"])
        return (0, -float(value) if descending else float(value), row["mosaic"])

    return key


def agreement_report(
    *, project: Project, order: str = "mosaic", limit: int | None = None, offset: int = 0
) -> dict[str, Any]:
    """``{"mosaics", "aggregates"}`` as ``manage.py agreement --json`` prints them, and what is pending.

    Rows come in mosaic order unless ``order`` names a metric (``dice``, ``-dice`` …);
    ``limit``/``offset`` page the rows (the aggregates are always the project's).
    """
    results = current_results(project)
    rows = [result.row for result in results if result.row is not None]
    if order != "mosaic":
        rows.sort(key=_sort_key(order))
    due = set(mosaics_due(project))
    complete: dict[int, int] = defaultdict(int)
    for result in results:
        complete[result.mosaic_id] += 1
    expected = _pair_counts(due)
    pending = sorted(mosaic for mosaic in due if complete[mosaic] < expected.get(mosaic, 0))
    summary = AgreementSummary.objects.filter(project=project).first()
    fingerprint = results_fingerprint([result for result in results if result.row is not None])
    failed = [
        {"mosaic": r.mosaic_id, "reads": [r.read_a_id, r.read_b_id], "error": r.error}
        for r in AgreementResult.objects.filter(mosaic__case__project=project).exclude(error="").order_by("mosaic_id")
    ]  # fmt: skip
    page = rows[offset : offset + limit] if limit is not None else rows[offset:]
    return {
        "mosaics": page,
        "aggregates": summary.aggregates if summary is not None else {},
        "count": len(rows),
        "pending": pending,
        "failed": failed,
        "computed_at": utc_timestamp(max((r.computed_at for r in results), default=None)),
        "aggregates_computed_at": utc_timestamp(summary.computed_at) if summary is not None else None,
        "aggregates_stale": summary is None or summary.fingerprint != fingerprint,
        "settings": settings_record(agreement_settings(project)),
    }


def _pair_counts(mosaic_ids: Iterable[int]) -> dict[int, int]:
    counts = (
        Read.objects.filter(mosaic_id__in=list(mosaic_ids), kind=ReadKind.READER)
        .values("mosaic_id")
        .annotate(reads=Count("pk"))
    )
    return {row["mosaic_id"]: row["reads"] * (row["reads"] - 1) // 2 for row in counts}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _mean(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def calibration_report(*, project: Project) -> dict[str, Any]:
    """Each reader against the submitted consensus: pooled pixel sensitivity and precision, and per mosaic.

    Pooled: the reader's pixels both marked / consensus pixels (sensitivity) and /
    reader pixels (precision), summed over its adjudicated mosaics; ``mean_*`` are
    the means of the per-mosaic values (undefined ones left out).
    """
    recorded = settings_record(agreement_settings(project))
    results = [
        result for result in CalibrationResult.objects.filter(
            mosaic__case__project=project, row__isnull=False,
            read_version=F("read__version"), consensus_version=F("consensus__version"),
            consensus__status=ReadStatus.SUBMITTED,
        ).select_related("read__reader").order_by("mosaic_id", "read_id")
        if result.settings == recorded and result.row is not None
    ]  # fmt: skip
    by_reader: dict[str, list[CalibrationResult]] = defaultdict(list)
    for result in results:
        by_reader[result.read.reader.get_username()].append(result)
    readers = []
    for name, rows in sorted(by_reader.items()):
        sums = {key: sum(float(r.row[key]) for r in rows if r.row) for key in ("consensus_px", "reader_px", "both_px")}
        readers.append({
            "reader": name, "mosaics": len(rows),
            "sensitivity": _ratio(sums["both_px"], sums["consensus_px"]),
            "precision": _ratio(sums["both_px"], sums["reader_px"]),
            "mean_sensitivity": _mean(r.row.get("sensitivity") for r in rows if r.row),
            "mean_precision": _mean(r.row.get("precision") for r in rows if r.row),
            **{key: int(value) for key, value in sums.items()},
        })  # fmt: skip
    return {
        "readers": readers,
        "mosaics": [
            {"mosaic": r.mosaic_id, "read": r.read_id, "consensus": r.consensus_id, **(r.row or {})} for r in results
        ],
        "computed_at": utc_timestamp(max((r.computed_at for r in results), default=None)),
    }


def mosaic_agreement_detail(*, mosaic: Mosaic, pair: tuple[int, int] | None = None) -> dict[str, Any]:
    """A mosaic's reads, its stored pair rows (current or not) and the disagreement map of one pair.

    The map is of ``pair`` (two reader read ids) or the first two reader reads;
    it is drawn from the reads as they are now (a lead may look before submission).
    """
    reads = list(Read.objects.filter(mosaic=mosaic).select_related("reader").order_by("kind", "assigned_at", "id"))
    reader_reads = [read for read in reads if read.kind == ReadKind.READER]
    consensus = next((read for read in reads if read.kind == ReadKind.CONSENSUS), None)
    recorded = settings_record(agreement_settings(mosaic.case.project))
    versions = {read.pk: read.version for read in reads}
    pairs = []
    for result in AgreementResult.objects.filter(mosaic=mosaic).order_by("read_a_id", "read_b_id"):
        current = result_is_current(result, versions=versions, settings=recorded)
        pairs.append({
            "reads": [result.read_a_id, result.read_b_id], "row": result.row, "error": result.error,
            "computed_at": utc_timestamp(result.computed_at), "stale": not current,
        })  # fmt: skip
    by_id = {read.pk: read for read in reader_reads}
    chosen = [by_id[pair[0]], by_id[pair[1]]] if pair is not None else reader_reads[:2]
    mapped = None
    if len(chosen) == 2:
        mapped = {
            "reads": [read.pk for read in chosen],
            "readers": [read.reader.get_username() for read in chosen],
            "map": disagreement_map(reader_labels(chosen[0]), reader_labels(chosen[1])),
        }
    return {
        "mosaic": mosaic.pk,
        "reads": [_read_brief(read) for read in reads],
        "pairs": pairs,
        "disagreement": mapped,
        "consensus": _read_brief(consensus) if consensus is not None else None,
    }


def _read_brief(read: Read) -> dict[str, Any]:
    return {
        "id": read.pk, "reader": read.reader.get_username(), "kind": read.kind, "status": read.status,
        "version": read.version, "diagnosis": read.diagnosis, "submitted_at": utc_timestamp(read.submitted_at),
    }  # fmt: skip
