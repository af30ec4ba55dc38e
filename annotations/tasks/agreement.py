"""Agreement tasks (cpu queue): a mosaic's results, a project's refresh, a project's aggregates."""

from annotations.services.agreement import (
    mosaic_agreement_compute,
    project_agreement_aggregate,
    project_agreement_refresh,
)

from .base import django_task

__all__ = ["aggregate_project_agreement", "compute_mosaic_agreement", "compute_project_agreement"]


@django_task(name="annotations.compute_mosaic_agreement", acks_late=True, max_retries=3)
def compute_mosaic_agreement(mosaic_id: int) -> dict[str, object]:
    """Store the mosaic's missing or stale pair results and calibrations, then queue the aggregates."""
    outcome = mosaic_agreement_compute(mosaic_id=mosaic_id)
    return {"mosaic": outcome.mosaic, "computed": outcome.computed, "errors": outcome.errors}


@django_task(name="annotations.compute_project_agreement", acks_late=True, max_retries=3)
def compute_project_agreement(project_id: int, force: bool = False) -> dict[str, object]:
    """Bring every due mosaic's results up to date (all of them with ``force``), then the aggregates."""
    outcomes, summary = project_agreement_refresh(project_id=project_id, force=force)
    return {"project": project_id, "computed": sum(o.computed for o in outcomes), "results": summary.result_count}


@django_task(name="annotations.aggregate_project_agreement", acks_late=True, max_retries=3)
def aggregate_project_agreement(project_id: int) -> int:
    """The project's bootstrap aggregates over its current results (skipped when already current)."""
    return project_agreement_aggregate(project_id=project_id).result_count
