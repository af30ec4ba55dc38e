"""The promotion gate: a candidate replaces the active model only if it measures better on the same test split.

The measure is the mosaic AUROC (the study's headline) on the same label set's test
split; the active model is evaluated there first if it has not been. No active model
of that kind: the candidate becomes active (nothing to beat), provided its mosaic
AUROC is defined. The verdict, with both values and their 95 % bootstrap intervals,
is returned for the run's record and written as the model's status reason. A lead can
always promote by hand with a reason (``model_promote``).

A simplification, said plainly: "beats" is a higher point estimate. Overlapping
intervals are shown, not required to be disjoint: with the study's patient counts
they nearly always overlap, and a gate on disjoint intervals would never promote.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from annotations.selectors.access import can_manage_project
from inference.models import ModelStatus, RegisteredModel
from inference.services.registry import model_activate
from training.models import Evaluation
from users.models import User


def _summary(model: RegisteredModel, evaluation: Evaluation) -> dict[str, Any]:
    estimate = evaluation.report.get("mosaic_auroc")
    return {"model": model.pk, "evaluation": evaluation.pk, "mosaic_auroc": estimate["value"] if estimate else None,
            "ci95": estimate["ci95"] if estimate else None}  # fmt: skip


def _text(summary: dict[str, Any]) -> str:
    value, interval = summary["mosaic_auroc"], summary["ci95"]
    if value is None:
        return "undefined"
    return f"{value:.3f}" + (f" (95 % CI {interval[0]:.3f}–{interval[1]:.3f})" if interval else "")


def gate_apply(*, candidate: RegisteredModel, evaluation: Evaluation) -> dict[str, Any]:
    """Promote ``candidate`` if its mosaic AUROC on ``evaluation``'s split beats the active model's; the verdict."""
    from training.services.evaluation import evaluate_model  # evaluation imports nothing of the gate; keep it so

    mine = _summary(candidate, evaluation)
    split = f"label set v{evaluation.labelset.version} ({evaluation.split})"
    active = RegisteredModel.objects.filter(project_id=candidate.project_id, kind=candidate.kind,
                                            status=ModelStatus.ACTIVE).exclude(pk=candidate.pk).first()  # fmt: skip
    # The readers' own agreement on the same mosaics: the ceiling both models are measured against.
    verdict: dict[str, Any] = {"candidate": mine, "active": None, "split": split,
                               "reader_agreement": evaluation.reader_agreement}  # fmt: skip
    if mine["mosaic_auroc"] is None:
        verdict.update(promoted=False, reason=f"not promoted: mosaic AUROC undefined on {split}")
        return verdict
    if active is None:
        reason = f"gate: no active {candidate.kind}; mosaic AUROC {_text(mine)} on {split}"
        model_activate(model=candidate, by=None, reason=reason)
        verdict.update(promoted=True, reason=reason)
        return verdict
    theirs_evaluation = Evaluation.objects.filter(model=active, labelset=evaluation.labelset,
                                                  split=evaluation.split).first()  # fmt: skip
    if theirs_evaluation is None:
        theirs_evaluation = evaluate_model(model=active, labelset=evaluation.labelset, split=evaluation.split,
                                           by=None, device=evaluation.device)  # fmt: skip
    theirs = _summary(active, theirs_evaluation)
    verdict["active"] = theirs
    if theirs["mosaic_auroc"] is None or mine["mosaic_auroc"] > theirs["mosaic_auroc"]:
        reason = (f"gate: mosaic AUROC {_text(mine)} beats active model {active.pk}'s {_text(theirs)} on {split}")
        model_activate(model=candidate, by=None, reason=reason)
        verdict.update(promoted=True, reason=reason)
    else:
        reason = (f"gate: not promoted: mosaic AUROC {_text(mine)} does not beat active model {active.pk}'s "
                  f"{_text(theirs)} on {split}")  # fmt: skip
        candidate.status_reason = reason
        candidate.save(update_fields=["status_reason"])
        verdict.update(promoted=False, reason=reason)
    return verdict


def model_promote(*, model: RegisteredModel, by: User, reason: str) -> RegisteredModel:
    """A lead makes ``model`` active by hand, whatever the gate said; the reason is recorded with their name."""
    if not can_manage_project(user=by, project=model.project):
        raise PermissionDenied("only the project's leads and admins promote its models")
    if model.status == ModelStatus.ACTIVE:
        raise ValidationError({"model": f"model {model.pk} is already the active {model.kind}"})
    return model_activate(model=model, by=by, reason=f"promoted by hand: {reason.strip()}" if reason.strip() else "")
