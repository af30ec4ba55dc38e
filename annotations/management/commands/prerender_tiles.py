"""``manage.py prerender_tiles [--project SLUG] [--force] [--queue]``.

Pre-renders the Deep Zoom tiles of ready mosaics that have none (ingested before
pre-rendering existed, or with ``RCM_TILE_PRERENDER`` off), so nginx and Django
serve their first views from files. ``--force`` renders them again (after a change
of ``RCM_TILE_JPEG_QUALITY``). Exits non-zero when any mosaic failed.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.ingest.prerender import DZI_DIR_NAME, dzi_descriptor_path
from annotations.management.base import PlatformCommand, validation_message
from annotations.models import Mosaic, MosaicStatus
from annotations.services.mosaics import mosaic_prerender_tiles
from annotations.storage import mosaic_dir


class Command(PlatformCommand):
    help = "Pre-render the Deep Zoom tiles of ready mosaics that have none."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", help="Only this project's mosaics (default: every project).")
        parser.add_argument("--force", action="store_true", help="Render again mosaics that have tiles.")

    def run(self, *args: Any, **options: Any) -> None:
        mosaics = Mosaic.objects.filter(status=MosaicStatus.READY).order_by("pk")
        if options["project"]:
            mosaics = mosaics.filter(case__project__slug=options["project"])
        todo = [
            mosaic
            for mosaic in mosaics
            if options["force"] or not dzi_descriptor_path(mosaic_dir(mosaic.pk) / DZI_DIR_NAME).is_file()
        ]
        failures = []
        for mosaic in tqdm(todo, desc="pre-rendering", unit="mosaic", disable=not todo):
            try:
                mosaic_prerender_tiles(mosaic=mosaic)
            except ValidationError as error:
                failures.append(validation_message(error))
        self.stdout.write(f"pre-rendered the tiles of {len(todo) - len(failures)} mosaic(s); {len(failures)} failed")
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(f"{len(failures)} mosaic(s) could not be pre-rendered")
