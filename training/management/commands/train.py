"""``manage.py train``: train a model on a label set, register, evaluate and gate it; the last line is its id.

    python manage.py train --labelset 3 --arch efficientnet_b0 [--project SLUG] [--kind classifier|detector]
        [--tile-size 224 --scale 0.5 --epochs 20 --batch-size 32 --lr 3e-4 --seed 0]
        [--pretrained-weights FILE.safetensors] [--device cpu|cuda] [--workers N] [--resume RUN_ID]

``--scale`` is the µm per pixel tiles are cut at. ``--project`` can be left out when
one project only has a label set of that version. Every input is checked before any
work (a one-line reason, exit status 1, nothing recorded). An interrupted run is
resumed from its last checkpoint with ``--resume RUN_ID`` (the task on the gpu queue
resumes by itself).
"""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.management.base import PlatformCommand, project_by_slug
from annotations.models import LabelSet
from inference.ml.train.training import EpochRecord
from training.models import RunStatus, TrainingRun
from training.services.runs import run_create, run_execute


class Command(PlatformCommand):
    help = "Train, register, evaluate and gate a model on a label set; prints the registered model's id last."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--labelset", type=int, help="Label-set version.")
        parser.add_argument("--project", help="Project slug (needed when several projects have that version).")
        parser.add_argument("--arch", help="timm architecture, or maskrcnn_resnet50_fpn / maskrcnn_resnet18_fpn.")
        parser.add_argument("--kind", default="classifier", choices=("classifier", "detector"))
        parser.add_argument("--tile-size", type=int, default=224)
        parser.add_argument("--scale", type=float, default=0.5, help="µm per pixel of the model's tiles")
        parser.add_argument("--epochs", type=int, default=20)
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--lr", type=float, default=3e-4)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--threshold", type=float, default=0.5, help="operating threshold of the model")
        parser.add_argument("--pretrained-weights", type=Path, help="local safetensors file of this architecture")
        parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
        parser.add_argument("--workers", type=int, default=2, help="DataLoader workers")
        parser.add_argument("--max-steps-per-epoch", type=int, help="cap batches per epoch (smoke runs)")
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="resume this interrupted run")

    def _labelset(self, options: dict[str, Any]) -> LabelSet:
        if options["labelset"] is None:
            raise CommandError("--labelset is required")
        found = LabelSet.objects.filter(version=options["labelset"]).select_related("project")
        if options["project"]:
            found = found.filter(project=project_by_slug(options["project"]))
        labelsets = list(found)
        if len(labelsets) != 1:
            projects = ", ".join(sorted(labelset.project.slug for labelset in labelsets)) or "none"
            raise CommandError(f"label set version {options['labelset']}: {len(labelsets)} match (projects: "
                               f"{projects}); name the project with --project")  # fmt: skip
        return labelsets[0]

    def run(self, *args: Any, **options: Any) -> None:
        if options["resume"] is not None:
            run = TrainingRun.objects.filter(pk=options["resume"]).first()
            if run is None:
                raise CommandError(f"no training run {options['resume']}")
        else:
            if not options["arch"]:
                raise CommandError("--arch is required")
            labelset = self._labelset(options)
            run = run_create(
                project=labelset.project, labelset=labelset, arch=options["arch"], kind=options["kind"], by=None,
                seed=options["seed"], tile_size=options["tile_size"], um_per_px=options["scale"],
                epochs=options["epochs"], batch_size=options["batch_size"], lr=options["lr"],
                threshold=options["threshold"], workers=options["workers"], device=options["device"],
                pretrained_weights=options["pretrained_weights"], max_steps_per_epoch=options["max_steps_per_epoch"],
            )  # fmt: skip
            self.stdout.write(f"training run {run.pk}: {run.arch} on label set v{labelset.version}")
        total = int(run.config.get("epochs", 20))
        bar = tqdm(total=total, initial=len(run.history), desc=f"run {run.pk}", unit="epoch", file=sys.stderr,
                   disable=options["verbosity"] == 0)  # fmt: skip

        def on_epoch(record: EpochRecord) -> None:
            bar.update(1)
            bar.set_postfix(loss=f"{record.train_loss:.3f}", val_auroc=f"{record.val_auroc:.3f}")

        try:
            run = run_execute(run_id=run.pk, on_epoch=on_epoch)
        finally:
            bar.close()
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"training run {run.pk} {run.status}: {run.failure_reason}")
        best = max((item["val_auroc"] for item in run.history if item["val_auroc"] is not None), default=float("nan"))
        self.stdout.write(f"{len(run.history)} epoch(s), best validation AUROC {best:.3f}; "
                          f"gate: {run.gate.get('reason', '—')}")  # fmt: skip
        self.stdout.write(str(run.registered_model_id))
