"""Reads of models, evaluations and runs, scoped to the projects the user leads (or all, for an admin)."""

from django.db.models import QuerySet

from annotations.selectors.access import AnyUser, projects_managed_by
from inference.models import RegisteredModel
from training.models import Evaluation, RetrainingCycle, TrainingRun


def models_managed_by(*, user: AnyUser) -> QuerySet[RegisteredModel]:
    return RegisteredModel.objects.filter(project__in=projects_managed_by(user=user)).select_related("project")


def evaluations_managed_by(*, user: AnyUser) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(model__project__in=projects_managed_by(user=user)).select_related(
        "model", "labelset"
    )


def runs_managed_by(*, user: AnyUser) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.filter(project__in=projects_managed_by(user=user)).select_related(
        "project", "labelset", "registered_model"
    )


def cycles_managed_by(*, user: AnyUser) -> QuerySet[RetrainingCycle]:
    return RetrainingCycle.objects.filter(project__in=projects_managed_by(user=user)).select_related("labelset", "run")
