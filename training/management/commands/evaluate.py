"""``manage.py evaluate``: the study's measurement of a model on a label set's split; the last line is its id.

    python manage.py evaluate --model 12 --labelset 3 [--split test|val|train|all] [--json] [--device cuda]

``--labelset`` is the label set's version in the model's project. With ``--json`` the
report is printed as one JSON object with exactly the keys ``tile_auroc``,
``mosaic_auroc``, ``threshold``, ``sensitivity``, ``specificity``,
``specificity_at_sensitivity_0_8``, ``pixel_dice`` (each ``{"value", "ci95"}`` or
null), ``n_tiles``, ``n_mosaics``, ``n_patients``; otherwise as a table, then the
evaluation's id.
"""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.management.base import PlatformCommand
from annotations.models import LabelSet
from inference.models import RegisteredModel
from training.models import EvaluationSplit
from training.services.evaluation import STUDY_FIGURES, evaluate_model, report_summary


class Command(PlatformCommand):
    help = "Evaluate a registered model on a label set's split the study's way; prints the evaluation's id last."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--model", type=int, required=True, help="Registered model id.")
        parser.add_argument("--labelset", type=int, required=True, help="Label-set version in the model's project.")
        parser.add_argument("--split", default="test", choices=EvaluationSplit.values)
        parser.add_argument("--json", action="store_true", help="Print the report as JSON (the issue's keys).")
        parser.add_argument("--device", default="cpu", help="cpu or cuda")
        parser.add_argument("--resamples", type=int, help="Bootstrap resamples over patients (default 1000).")

    def run(self, *args: Any, **options: Any) -> None:
        model = RegisteredModel.objects.filter(pk=options["model"]).select_related("project").first()
        if model is None:
            raise CommandError(f"no model {options['model']}")
        labelset = LabelSet.objects.filter(project=model.project, version=options["labelset"]).first()
        if labelset is None:
            raise CommandError(f"project {model.project.slug} has no label set version {options['labelset']}")
        bar = tqdm(desc="evaluating", unit="mosaic", file=sys.stderr, disable=options["verbosity"] == 0)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            evaluation = evaluate_model(model=model, labelset=labelset, split=options["split"], by=None,
                                        device=options["device"], n_resamples=options["resamples"], progress=progress)  # fmt: skip
        finally:
            bar.close()
        summary = report_summary(evaluation)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        for key, value in summary.items():
            if isinstance(value, dict):
                low, high = value["ci95"] or (None, None)
                interval = f" (95 % CI {low:.3f}–{high:.3f})" if low is not None else " (no interval)"
                study = f"   study: {STUDY_FIGURES[key]}" if key in STUDY_FIGURES else ""
                self.stdout.write(f"{key:32} {value['value']:.3f}{interval}{study}")
            else:
                reason = evaluation.report.get("reasons", {}).get(key)
                self.stdout.write(f"{key:32} {value if value is not None else '—'}{f'  ({reason})' if reason else ''}")
        self.stdout.write(str(evaluation.pk))
