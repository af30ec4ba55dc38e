"""Agreement computed and stored: per mosaic (reader pairs, readers against the consensus) and per project.

When the last reader read of a mosaic is submitted, ``read_submit`` calls
``agreement_enqueue_when_due``, which hands ``annotations.compute_mosaic_agreement``
to the cpu queue; so does the submission of a consensus (calibration). The task
calls ``mosaic_agreement_compute``: every pair of the mosaic's submitted reader
reads through ``annotations.agreement.mosaic.mosaic_pairs_agreement`` (each read
rasterised once), and each reader read against the submitted consensus through
``reader_calibration``. Each result is stored with the read versions and the
settings it used; a stored result whose versions or settings no longer match is
*stale* and the next computation replaces it. A computation that raises stores
the error on the result (the dashboard shows it; the task does not retry a
deterministic failure forever).

Project aggregates (``project_agreement``: 2,000 patient-bootstrap resamples per
group, seconds to minutes on a large project) are computed by
``project_agreement_aggregate`` after the mosaic results and stored with a
fingerprint of the results they came from; a second run on unchanged results
returns the stored aggregates. Only reader reads count (``ReadKind.READER``).
"""

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotations.agreement.aggregate import project_agreement
from annotations.agreement.calibration import reader_calibration
from annotations.agreement.mosaic import mosaic_pairs_agreement
from annotations.enqueue import enqueue_on_commit
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
from annotations.selectors.access import can_manage_project
from annotations.selectors.agreement import (
    BOOTSTRAP_SEED,
    agreement_records,
    current_results,
    mosaics_due,
    result_is_current,
    results_fingerprint,
)
from annotations.selectors.labels import (
    agreement_settings,
    all_submitted,
    consensus_read,
    mosaic_info,
    reader_labels,
    reader_reads,
    settings_record,
)
from users.models import User

logger = logging.getLogger(__name__)

MOSAIC_TASK = "annotations.compute_mosaic_agreement"
PROJECT_TASK = "annotations.compute_project_agreement"
AGGREGATE_TASK = "annotations.aggregate_project_agreement"


def agreement_enqueue_when_due(*, read: Read) -> bool:
    """After ``read`` was submitted: queue the mosaic's agreement when it is due; whether it was queued.

    Due when the read is the mosaic's last open reader read (and there are at
    least two), or when it is the mosaic's consensus (calibration of its readers).
    """
    if read.kind == ReadKind.AIDED:
        return False  # agreement is between unaided reads; the AI-influence report compares aided ones
    if read.kind == ReadKind.READER:
        reads = Read.objects.filter(mosaic_id=read.mosaic_id, kind=ReadKind.READER)
        if reads.exclude(status=ReadStatus.SUBMITTED).exists() or reads.count() < 2:
            return False
    enqueue_on_commit(MOSAIC_TASK, read.mosaic_id)
    return True


@dataclass
class MosaicOutcome:
    mosaic: int
    computed: int = 0  # results written (pairs and calibrations)
    errors: int = 0
    skipped: bool = False  # everything was current


def _needs_computing(result: AgreementResult | CalibrationResult | None, versions: dict[int, int],
                     settings: dict[str, Any], force: bool) -> bool:  # fmt: skip
    """Missing, stale, failed, or ``force``: compute it (again)."""
    return force or result is None or bool(result.error) or not result_is_current(
        result, versions=versions, settings=settings
    )


def mosaic_agreement_compute(*, mosaic_id: int, force: bool = False, aggregate: bool = True) -> MosaicOutcome:
    """Compute and store the mosaic's pair results and calibrations that are missing or stale.

    ``force`` recomputes current ones too; ``aggregate`` queues the project's
    aggregates afterwards (the command aggregates once at the end instead).
    """
    mosaic = Mosaic.objects.select_related("case__project").get(pk=mosaic_id)
    project = mosaic.case.project
    settings = agreement_settings(project)
    recorded = settings_record(settings)
    reads = [read for read in reader_reads(mosaic) if read.status == ReadStatus.SUBMITTED]
    outcome = MosaicOutcome(mosaic=mosaic_id)
    if not all_submitted(list(reader_reads(mosaic))) or len(reads) < 2:
        outcome.skipped = True
        return outcome

    pairs = list(itertools.combinations(reads, 2))
    versions = {read.pk: read.version for read in reads}
    stored = {(r.read_a_id, r.read_b_id): r for r in AgreementResult.objects.filter(mosaic=mosaic)}
    wanted = [(a, b) for a, b in pairs if _needs_computing(stored.get((a.pk, b.pk)), versions, recorded, force)]
    consensus = consensus_read(mosaic)
    calibrations = []
    if consensus is not None and consensus.status == ReadStatus.SUBMITTED:
        versions[consensus.pk] = consensus.version
        stored_calibration = {r.read_id: r for r in CalibrationResult.objects.filter(consensus=consensus)}
        calibrations = [read for read in reads
                        if _needs_computing(stored_calibration.get(read.pk), versions, recorded, force)]  # fmt: skip
    if not wanted and not calibrations:
        outcome.skipped = True
        return outcome

    rows, error = {}, ""
    try:
        info = mosaic_info(mosaic)
        labels = {read.pk: reader_labels(read) for read in reads}
        if wanted:
            # All pairs in one call (each read prepared once), in ``pairs`` order.
            computed = mosaic_pairs_agreement(info, [labels[read.pk] for read in reads], settings=settings)
            rows = {(a.pk, b.pk): row for (a, b), row in zip(pairs, computed, strict=True)}
        calibration_rows = {}
        if calibrations:
            assert consensus is not None
            consensus_regions = reader_labels(consensus).regions
            for read in calibrations:
                calibration_rows[read.pk] = reader_calibration(
                    labels[read.pk], consensus_regions, width=info.width, height=info.height, settings=settings
                )
    except Exception as failure:  # noqa: BLE001 - stored and shown; a deterministic failure must not loop
        logger.exception("agreement of mosaic %s failed", mosaic_id)
        error = f"{type(failure).__name__}: {failure}"
        calibration_rows = {}

    with transaction.atomic():
        for a, b in wanted:
            AgreementResult.objects.update_or_create(
                read_a=a, read_b=b,
                defaults={"mosaic": mosaic, "read_a_version": a.version, "read_b_version": b.version,
                          "row": rows.get((a.pk, b.pk)), "settings": recorded, "error": error},
            )  # fmt: skip
        for read in calibrations:
            assert consensus is not None
            CalibrationResult.objects.update_or_create(
                read=read, consensus=consensus,
                defaults={"mosaic": mosaic, "read_version": read.version, "consensus_version": consensus.version,
                          "row": calibration_rows.get(read.pk), "settings": recorded, "error": error},
            )  # fmt: skip
        if aggregate:
            enqueue_on_commit(AGGREGATE_TASK, project.pk)
    outcome.computed = len(wanted) + len(calibrations)
    outcome.errors = outcome.computed if error else 0
    return outcome


def project_agreement_aggregate(*, project_id: int, force: bool = False) -> AgreementSummary:
    """The project's aggregates over its current results, computed unless the stored ones are current."""
    project = Project.objects.get(pk=project_id)
    results = [result for result in current_results(project) if result.row is not None]
    fingerprint = results_fingerprint(results)
    summary = AgreementSummary.objects.filter(project=project).first()
    if summary is not None and summary.fingerprint == fingerprint and not force:
        return summary
    aggregates = project_agreement(
        agreement_records(results), seed=BOOTSTRAP_SEED, n_resamples=django_settings.RCM_AGREEMENT_RESAMPLES
    )
    summary, _ = AgreementSummary.objects.update_or_create(
        project=project,
        defaults={"aggregates": aggregates, "fingerprint": fingerprint, "result_count": len(results)},
    )
    return summary


def project_agreement_refresh(
    *,
    project_id: int,
    force: bool = False,
    progress: Callable[[Iterable[int]], Iterable[int]] = lambda ids: ids,
) -> tuple[list[MosaicOutcome], AgreementSummary]:
    """Compute every due mosaic's missing or stale results (all with ``force``), then the aggregates.

    ``progress`` wraps the mosaic ids (the command passes a progress bar).
    """
    project = Project.objects.get(pk=project_id)
    outcomes = [
        mosaic_agreement_compute(mosaic_id=mosaic_id, force=force, aggregate=False)
        for mosaic_id in progress(mosaics_due(project))
    ]
    return outcomes, project_agreement_aggregate(project_id=project_id, force=force)


def project_agreement_request(*, project: Project, by: User, force: bool = False) -> int:
    """A lead asks for the project's agreement to be brought up to date on the cpu queue; mosaics due."""
    if not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins can recompute agreement")
    enqueue_on_commit(PROJECT_TASK, project.pk, force)
    return len(mosaics_due(project))
