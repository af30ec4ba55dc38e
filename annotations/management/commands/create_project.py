"""``manage.py create_project SLUG --name NAME``: add or rename a project."""

from argparse import ArgumentParser
from typing import Any

from annotations.management.base import PlatformCommand
from annotations.models import AIProtocol
from annotations.services.projects import project_upsert


class Command(PlatformCommand):
    help = "Create a project (or update its name and protocol). Safe to re-run."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--readers-per-mosaic", type=int, default=None)
        parser.add_argument(
            "--ai-protocol", choices=AIProtocol.values, default=None,
            help="When readers see AI suggestions (default for a new project: unaided_then_aided).",
        )  # fmt: skip

    def run(self, *args: Any, **options: Any) -> None:
        protocol = {}
        if options["readers_per_mosaic"] is not None:
            protocol["readers_per_mosaic"] = options["readers_per_mosaic"]
        if options["ai_protocol"] is not None:
            protocol["ai_protocol"] = options["ai_protocol"]
        project, created = project_upsert(slug=options["slug"], name=options["name"], **protocol)
        self.stdout.write(f"{'created' if created else 'updated'} project {project.slug}: {project.name}")
