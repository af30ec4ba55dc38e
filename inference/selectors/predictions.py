"""Who sees a mosaic's AI layer (runs, suggestions, heatmap), by the project's protocol.

The protocol (``Project.ai_protocol``) is enforced here, for every endpoint of the
AI layer, never only in the page:

- a reader of the mosaic (it has a reader read of it) sees the AI layer
  ``from_start``; under ``unaided_then_aided`` only once its unaided read is
  submitted (locked), so suggestions cannot anchor a blinded first read; ``never``:
  not at all;
- a lead or admin of the project who is not reading the mosaic sees it whatever
  the protocol (they review the models and the runs' progress);
- anyone else (a contributor, a member not reading it) does not.

``ai_layer_refusal`` says why not, in words the page can show. A mosaic the caller
may not see at all is a 404 before any of this (``mosaics_visible_to``).
"""

from collections.abc import Callable
from functools import partial

from django.db.models import Count, QuerySet

from annotations.models import AIProtocol, Mosaic, Project, Read, ReadKind, ReadStatus
from annotations.selectors.access import AnyUser, can_manage_project
from inference.models import PredictionRun, RunStatus, Suggestion


def ai_layer_refusal(*, user: AnyUser, mosaic: Mosaic) -> str | None:
    """None if ``user`` may see the mosaic's AI layer now, else why not (needs ``mosaic.case.project``)."""
    if not user.is_authenticated:
        return "sign in"
    project = mosaic.case.project
    own = Read.objects.filter(mosaic=mosaic, reader_id=user.pk, kind=ReadKind.READER).only("status").first()
    return _refusal(project, own_status=None if own is None else own.status,
                    manages=lambda: can_manage_project(user=user, project=project))  # fmt: skip


def _refusal(project: Project, *, own_status: str | None, manages: Callable[[], bool]) -> str | None:
    """The protocol's rule, given the caller's own reader read of the mosaic (its status, None: none) and
    whether the caller manages the project (asked only when it matters)."""
    if own_status is None:
        if manages():
            return None
        return "the AI layer is shown to the mosaic's readers and the project's leads"
    if project.ai_protocol == AIProtocol.NEVER:
        return "this project's protocol never shows AI suggestions to readers"
    if project.ai_protocol == AIProtocol.UNAIDED_THEN_AIDED and own_status != ReadStatus.SUBMITTED:
        return "this project reads unaided first: the AI layer appears once your unaided read is submitted"
    return None


def ai_layer_visible(*, user: AnyUser, mosaic: Mosaic) -> bool:
    return ai_layer_refusal(user=user, mosaic=mosaic) is None


def runs_of_mosaic(*, mosaic: Mosaic) -> QuerySet[PredictionRun]:
    """The mosaic's runs with their model and suggestion count (callers check ``ai_layer_visible`` first)."""
    return runs_of_mosaics(mosaic_ids=[mosaic.pk])


def runs_of_mosaics(*, mosaic_ids: list[int]) -> QuerySet[PredictionRun]:
    return (
        PredictionRun.objects.filter(mosaic_id__in=mosaic_ids)
        .select_related("model")
        .annotate(suggestion_count=Count("suggestions"))
        .order_by("model__kind", "-model_id")
    )


def run_of_mosaic(*, mosaic: Mosaic, model_id: int | None) -> PredictionRun | None:
    """The run of ``model_id`` on the mosaic; without a model, the newest finished run of an active model."""
    runs = PredictionRun.objects.filter(mosaic=mosaic).select_related("model")
    if model_id is not None:
        return runs.filter(model_id=model_id).first()
    return runs.filter(status=RunStatus.DONE).order_by("model__status", "-finished_at").first()


def suggestions_of_mosaic(*, mosaic: Mosaic, model_id: int | None = None) -> QuerySet[Suggestion]:
    """The suggestions of the mosaic's runs (of one model when given), best first."""
    suggestions = Suggestion.objects.filter(run__mosaic=mosaic).select_related("run")
    if model_id is not None:
        suggestions = suggestions.filter(run__model_id=model_id)
    return suggestions.order_by("-score", "id")


def prediction_runs_for_page(*, user: AnyUser, mosaics: list[Mosaic]) -> dict[int, list[PredictionRun]]:
    """Each mosaic's runs if the caller may see its AI layer, else none (the case page's AI column).

    The same rule as ``ai_layer_refusal``, in a fixed number of queries however many mosaics the case
    has (each needs ``mosaic.case.project``)."""
    shown: dict[int, list[PredictionRun]] = {mosaic.pk: [] for mosaic in mosaics}
    ready = [mosaic for mosaic in mosaics if mosaic.status == "ready"]
    if not user.is_authenticated or not ready:
        return shown
    own = dict(
        Read.objects.filter(mosaic__in=ready, reader_id=user.pk, kind=ReadKind.READER).values_list("mosaic_id", "status")
    )
    manages: dict[int, bool] = {}

    def manages_project(project: Project) -> bool:
        if project.pk not in manages:
            manages[project.pk] = can_manage_project(user=user, project=project)
        return manages[project.pk]

    visible = [
        mosaic.pk
        for mosaic in ready
        if _refusal(mosaic.case.project, own_status=own.get(mosaic.pk),
                    manages=partial(manages_project, mosaic.case.project)) is None  # fmt: skip
    ]
    for run in runs_of_mosaics(mosaic_ids=visible):
        shown[run.mosaic_id].append(run)
    return shown
