"""``manage.py agreement --project SLUG [--json] [--recompute] [--queue]``: reader agreement of a project.

Brings the stored results up to date first, in this process with a progress bar
(on stderr): every mosaic whose reader reads are all submitted gets its missing
or stale pair results (all of them with ``--recompute``), then the project's
aggregates (95 % patient-bootstrap intervals per reader pair, center, diagnosis
and month) are computed unless the stored ones are current. Then it prints the
per-mosaic rows and the aggregates; with ``--json`` exactly
``{"mosaics": [...], "aggregates": {...}}`` on stdout, the same data as
``GET /api/projects/{slug}/agreement/``. A mosaic whose computation failed is
named on stderr and makes the exit status 1.
"""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from tqdm import tqdm

from annotations.management.base import InputsFailed, PlatformCommand, project_by_slug
from annotations.selectors.agreement import agreement_report
from annotations.services.agreement import project_agreement_refresh

ROW_METRICS = ("dice", "iou", "tile_kappa", "lesion_f1", "hausdorff95_um")


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _metric(entry: dict[str, Any]) -> str:
    interval = entry.get("ci95")
    text = _number(entry.get("value"))
    return f"{text} [{_number(interval[0])}, {_number(interval[1])}]" if interval else text


class Command(PlatformCommand):
    help = "Compute and print the project's inter-reader agreement (see the module docstring)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--json", action="store_true", help='Print {"mosaics": [...], "aggregates": {...}}.')
        parser.add_argument("--recompute", action="store_true", help="Recompute every result, current or not.")

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        quiet = options.get("verbosity", 1) == 0

        def progress(ids: Any) -> Any:
            return tqdm(list(ids), desc="agreement", unit="mosaic", file=sys.stderr, disable=quiet)

        outcomes, summary = project_agreement_refresh(project_id=project.pk, force=options["recompute"],
                                                      progress=progress)  # fmt: skip
        report = agreement_report(project=project)
        if options["json"]:
            self.stdout.write(json.dumps({"mosaics": report["mosaics"], "aggregates": report["aggregates"]}))
        else:
            self._print(report)
        for failure in report["failed"]:
            self.stderr.write(f"mosaic {failure['mosaic']} (reads {failure['reads']}): {failure['error']}")
        if report["failed"]:
            raise InputsFailed(len({f["mosaic"] for f in report["failed"]}), max(len(outcomes), 1))

    def _print(self, report: dict[str, Any]) -> None:
        self.stdout.write("mosaic  name  readers  " + "  ".join(ROW_METRICS) + "  diagnosis_agree")
        for row in report["mosaics"]:
            numbers = "  ".join(_number(row.get(metric)) for metric in ROW_METRICS)
            self.stdout.write(f"{row['mosaic']}  {row['name']}  {' & '.join(row['readers'])}  {numbers}  "
                              f"{row['diagnosis_agree']}")  # fmt: skip
        aggregates = report["aggregates"]
        for grouping in ("overall", "by_pair", "by_center", "by_diagnosis", "by_month"):
            groups = {"all": aggregates.get("overall", {})} if grouping == "overall" else aggregates.get(grouping, {})
            for name, metrics in groups.items():
                if not metrics:
                    continue
                shown = ", ".join(
                    f"{metric} {_metric(metrics[metric])}" for metric in (*ROW_METRICS, "diagnosis_kappa")
                )
                self.stdout.write(f"{grouping} {name} (patients {metrics['dice']['patients']}): {shown}")
        self.stdout.write(
            f"{len(report['mosaics'])} mosaic row(s); aggregates over {report['count']} result(s), "
            f"95% CI from {aggregates.get('bootstrap', {}).get('n_resamples', 0)} patient resamples"
        )
