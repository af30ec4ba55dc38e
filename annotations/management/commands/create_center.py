"""``manage.py create_center CODE --name NAME``: add or rename a contributing center."""

from argparse import ArgumentParser
from typing import Any

from annotations.management.base import PlatformCommand
from annotations.services.projects import center_upsert


class Command(PlatformCommand):
    help = "Create a center (or update its name). Safe to re-run."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument("--name", required=True)

    def run(self, *args: Any, **options: Any) -> None:
        center, created = center_upsert(code=options["code"], name=options["name"])
        self.stdout.write(f"{'created' if created else 'updated'} center {center.code}: {center.name}")
