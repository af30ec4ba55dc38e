"""``manage.py assign_reads --project SLUG [--readers a,b,c] [--per-mosaic N] [--queue]``.

Gives every ready mosaic of the project that still lacks reads its missing reads,
choosing the least-loaded readers each time (``read_assign_balanced``), so a batch
spreads evenly. Safe to re-run: mosaics that have their reads are skipped.
"""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.management.base import PlatformCommand, project_by_slug, validation_message
from annotations.selectors.dashboard import mosaics_awaiting_readers
from annotations.services.assignment import read_assign_balanced


class Command(PlatformCommand):
    help = "Assign the project's ready mosaics that lack reads to the least-loaded readers."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True)
        parser.add_argument("--readers", default="", help="Comma-separated usernames to choose from (default: all).")
        parser.add_argument("--per-mosaic", type=int, default=None, help="Reads per mosaic (default: the project's).")

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        per_mosaic = options["per_mosaic"] or project.readers_per_mosaic
        if per_mosaic < 1 or per_mosaic > project.readers_per_mosaic:
            raise CommandError(f"--per-mosaic must be between 1 and the project's {project.readers_per_mosaic}")
        pool = None
        if options["readers"]:
            names = [name.strip() for name in options["readers"].split(",") if name.strip()]
            pool = list(get_user_model().objects.filter(username__in=names))
            missing = sorted(set(names) - {user.get_username() for user in pool})
            if missing:
                raise CommandError(f"unknown user(s): {', '.join(missing)}")
        awaiting = mosaics_awaiting_readers(project=project, per_mosaic=per_mosaic)
        mosaics = list(awaiting)
        existing = dict(awaiting.values_list("pk", "read_count"))
        created, failures = 0, []
        for mosaic in tqdm(mosaics, desc="assigning", unit="mosaic", disable=not mosaics):
            try:
                reads = read_assign_balanced(mosaic=mosaic, by=None, count=per_mosaic - existing[mosaic.pk], pool=pool)
            except ValidationError as error:
                failures.append(f"mosaic {mosaic.pk}: {validation_message(error)}")
                continue
            created += len(reads)
        self.stdout.write(
            f"assigned {created} read(s) over {len(mosaics) - len(failures)} mosaic(s) of {project.slug}; "
            f"{len(failures)} mosaic(s) could not be assigned"
        )
        for failure in failures:
            self.stderr.write(failure)
        if failures and not created:
            raise CommandError("no reads assigned; add readers to the project (add_member --role reader)")
