"""``manage.py preannotate --model ID (--mosaic ID | --project SLUG) [--queue]``: run a model over mosaics.

In-process by default, with a progress bar over the tiles of each mosaic, a summary,
and the run ids on the last line (space-separated); exits non-zero when any run
failed (its reason printed). ``--queue`` hands the runs to the GPU workers instead
(``inference.preannotate`` on the ``gpu`` queue) and prints their ids at once; their
progress shows on the case page and in ``GET /api/mosaics/{id}/predictions/``.
A re-run replaces the mosaic's earlier outputs of that model, never duplicates them.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from tqdm import tqdm

from annotations.management.base import InputsFailed, PlatformCommand, project_by_slug, validation_message
from annotations.models import Mosaic, MosaicStatus
from inference.models import PredictionRun, RegisteredModel, RunStatus
from inference.services.preannotation import prediction_run_execute, prediction_run_queue


class Command(PlatformCommand):
    help = "Pre-annotate a mosaic or a project's ready mosaics with a model; prints the run id(s) last."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--model", type=int, required=True, help="The registered model's id.")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--mosaic", type=int, help="One mosaic's id.")
        target.add_argument("--project", help="Every ready mosaic of this project (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        # ``--queue`` sends the runs to the gpu queue one by one (not the command to the cpu queue).
        try:
            self.run(*args, **options)
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error

    def _mosaics(self, options: dict[str, Any], model: RegisteredModel) -> list[Mosaic]:
        if options["mosaic"] is not None:
            mosaic = Mosaic.objects.select_related("case__project").filter(pk=options["mosaic"]).first()
            if mosaic is None:
                raise CommandError(f"no mosaic {options['mosaic']}")
            return [mosaic]
        project = project_by_slug(options["project"])
        if project.pk != model.project_id:
            raise CommandError(f"model {model.pk} belongs to project {model.project.slug}, not {project.slug}")
        mosaics = Mosaic.objects.filter(case__project=project, status=MosaicStatus.READY).select_related("case__project")
        return list(mosaics.order_by("pk"))

    def run(self, *args: Any, **options: Any) -> None:
        model = RegisteredModel.objects.select_related("project").filter(pk=options["model"]).first()
        if model is None:
            raise CommandError(f"no model {options['model']}")
        mosaics = self._mosaics(options, model)
        if not mosaics:
            raise CommandError(f"project {options['project']} has no ready mosaic")
        with transaction.atomic():
            runs = [prediction_run_queue(mosaic=mosaic, model=model, by=None, send=options["queue"]) for mosaic in mosaics]
        if options["queue"]:
            self.stdout.write(f"queued {len(runs)} run(s) of model {model.pk} on the gpu queue")
            self.stdout.write(" ".join(str(run.pk) for run in runs))
            return
        finished = [self._execute(run, index, len(runs)) for index, run in enumerate(runs, 1)]
        failed = [run for run in finished if run.status == RunStatus.FAILED]
        for run in finished:
            outcome = f"score {run.score:.3f}, {run.suggestions.count()} suggestion(s)" if run.status == RunStatus.DONE else run.error
            self.stdout.write(f"run {run.pk} (mosaic {run.mosaic_id}): {run.status}: {outcome}")
        self.stdout.write(f"{len(finished) - len(failed)} of {len(finished)} run(s) done with model {model.pk}")
        self.stdout.write(" ".join(str(run.pk) for run in finished))
        if failed:
            raise InputsFailed(len(failed), len(finished))

    def _execute(self, run: PredictionRun, index: int, total: int) -> PredictionRun:
        stream: Any = self.stderr._out  # the raw stream: Django's wrapper would end each redraw with a newline
        with tqdm(total=100, desc=f"mosaic {run.mosaic_id} ({index}/{total})", unit="%", file=stream) as bar:

            def advance(fraction: float) -> None:
                bar.update(round(fraction * 100) - bar.n)

            return prediction_run_execute(run_id=run.pk, progress=advance)
