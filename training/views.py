"""Pages of models and training runs, for the project's leads and admins (others get a 404)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from annotations.access_matrix import matrix_page
from annotations.management.base import validation_message
from annotations.models import LabelSetStatus
from annotations.selectors.agreement import project_managed
from training.curves import HEIGHT, WIDTH, run_curves
from training.models import TrainingSettings
from training.report_rows import report_rows
from training.selectors.models import cycles_managed_by, evaluations_managed_by, models_managed_by, runs_managed_by
from training.services.evaluation import STUDY_FIGURES
from training.services.gate import model_promote
from training.services.retraining import new_reads_since_last_snapshot


@matrix_page
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    model = models_managed_by(user=request.user).filter(pk=model_id).first()
    if model is None:
        raise Http404("No such model")
    evaluations = list(evaluations_managed_by(user=request.user).filter(model=model))
    latest = evaluations[0] if evaluations else None
    context = {
        "model": model, "evaluations": evaluations, "latest": latest, "study": STUDY_FIGURES,
        "rows": report_rows(latest.report, kind=model.kind) if latest else [],
        "run": runs_managed_by(user=request.user).filter(registered_model=model).first(),
        "promote_error": request.session.pop(f"promote-error-{model.pk}", ""),
    }  # fmt: skip
    return render(request, "training/model_detail.html", context)


@matrix_page
@require_POST
def model_promote_form(request: HttpRequest, model_id: int) -> HttpResponse:
    """The page's "Promote" button: a plain form post (no script), then back to the model's page."""
    model = models_managed_by(user=request.user).filter(pk=model_id).first()
    if model is None:
        raise Http404("No such model")
    try:
        model_promote(model=model, by=request.user, reason=request.POST.get("reason", ""))  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as error:
        message = validation_message(error) if isinstance(error, ValidationError) else str(error)
        request.session[f"promote-error-{model.pk}"] = message
    return redirect("model-detail", model_id=model.pk)


@matrix_page
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = runs_managed_by(user=request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run")
    context = {"run": run, "curves": run_curves(run.history), "width": WIDTH, "height": HEIGHT}
    return render(request, "training/run_detail.html", context)


@matrix_page
def roc_image(request: HttpRequest, evaluation_id: int, curve: str) -> HttpResponse:
    evaluation = evaluations_managed_by(user=request.user).filter(pk=evaluation_id).first()
    if evaluation is None or curve not in ("tile", "mosaic"):
        raise Http404("No such image")
    data = evaluation.roc_tile_png if curve == "tile" else evaluation.roc_mosaic_png
    response = HttpResponse(bytes(data), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"  # an evaluation never changes
    return response


@matrix_page
def project_training(request: HttpRequest, slug: str) -> HttpResponse:
    """The lead's models, runs and retraining cycles of one project, and the form that starts a run."""
    project = project_managed(user=request.user, slug=slug)
    if project is None:
        raise Http404("No such project")
    context = {
        "project": project,
        "labelsets": project.labelsets.filter(status=LabelSetStatus.COMPLETE).order_by("-version"),
        "settings": TrainingSettings.objects.filter(project=project).first() or TrainingSettings(project=project),
        "models": models_managed_by(user=request.user).filter(project=project).select_related("label_set"),
        "runs": runs_managed_by(user=request.user).filter(project=project)[:50],
        "cycles": cycles_managed_by(user=request.user).filter(project=project)[:20],
        "new_reads": new_reads_since_last_snapshot(project),
    }
    return render(request, "training/project_training.html", context)
