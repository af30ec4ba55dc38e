"""``manage.py verify_labelset --project SLUG VERSION``: check a snapshot's files against its manifest.

Recomputes the SHA-256 of every file the snapshot's ``manifest.json`` lists and
compares the manifest's own hash with the one recorded at export. Prints each
problem (changed, missing or unlisted file) and exits 1 when there is any.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from annotations.management.base import PlatformCommand
from annotations.models import LabelSet
from annotations.selectors.labelsets import labelset_root, labelset_verify


class Command(PlatformCommand):
    help = "Verify a label-set snapshot's files against its manifest."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("labelset_version", type=int, metavar="VERSION", help="The snapshot's version number.")

    def run(self, *args: Any, **options: Any) -> None:
        labelset = (
            LabelSet.objects.filter(project__slug=options["project"], version=options["labelset_version"])
            .select_related("project")
            .first()
        )
        if labelset is None:
            raise CommandError(f"no label set v{options['labelset_version']} in project {options['project']!r}")
        problems = labelset_verify(labelset=labelset)
        for problem in problems:
            self.stdout.write(f"  {problem}")
        if problems:
            raise CommandError(f"label set v{labelset.version}: {len(problems)} problem(s)", returncode=1)
        self.stdout.write(
            f"label set v{labelset.version} in {labelset_root(labelset)}: every file matches its manifest"
        )
