"""``manage.py ai_influence --project SLUG [--json]``: how the AI changed the project's reads.

Per reader, per center and overall: Dice between unaided and aided reads, the share
of suggestions adopted, and adopted suggestions that the consensus calls false
positives (``inference.selectors.influence``). The last line is the project's slug
(with ``--json``, stdout is the JSON alone).
"""

import json
from argparse import ArgumentParser
from typing import Any

from annotations.management.base import PlatformCommand, project_by_slug
from inference.selectors.influence import ai_influence


def _row(name: str, tally: dict[str, Any]) -> str:
    dice = "-" if tally["dice_unaided_aided"] is None else f"{tally['dice_unaided_aided']:.3f}"
    rate = "-" if tally["adoption_rate"] is None else f"{tally['adoption_rate']:.0%}"
    fp = "-" if tally["adopted_false_positives"] is None else f"{tally['adopted_false_positives']}/{tally['adopted_against_consensus']}"
    return f"{name:<24} {tally['read_pairs']:>6} {dice:>7} {tally['suggestions_shown']:>6} {tally['adopted']:>7} {rate:>6} {fp:>8}"


class Command(PlatformCommand):
    help = "Report how AI suggestions changed the project's reads, per reader and center."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON (as the API returns it).")

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        report = ai_influence(project=project)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))  # JSON only: a script parses all of stdout
            return
        self.stdout.write(f"AI influence in {project.slug} (protocol {report['protocol']})")
        self.stdout.write(f"{'':<24} {'pairs':>6} {'dice':>7} {'shown':>6} {'adopted':>7} {'rate':>6} {'FP/cons':>8}")
        for row in report["readers"]:
            self.stdout.write(_row(f"reader {row['reader']}", row))
        for row in report["centers"]:
            self.stdout.write(_row(f"center {row['center']}", row))
        self.stdout.write(_row("overall", report["overall"]))
        self.stdout.write(project.slug)
