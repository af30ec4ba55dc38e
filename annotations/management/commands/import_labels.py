"""``manage.py import_labels PATH... --project SLUG --reader USERNAME [--submit] [--label-map VALUE=FEATURE ...]``.

Existing labels become a reader's read: per mosaic, a binary or label-valued
mask (PNG, TIFF, NRRD label volumes as Seg3D writes them) or a GeoJSON
FeatureCollection (QuPath's export), converted by
``annotations.labelsets.importing``. A PATH may be a folder (its label files are
taken, recursively). Files are matched to mosaics by the mosaic's source file
stem, or by ``--mapping CSV`` with columns ``file,mosaic`` (mosaic id or stem)
and an optional ``diagnosis`` column.

The reader's read of the mosaic is assigned when it does not exist, and its
regions are replaced by the file's (an ``import`` revision, provenance
``imported``). With ``--submit`` the read is submitted: its diagnosis comes
from the CSV, else the read's or the case's; without any the mosaic is refused.
A mask of the wrong size, unknown label values, an empty or unreadable file, a
file matching no mosaic: that mosaic gets nothing, the others go on, and the
command exits 1 naming each failure.
"""

import csv
from argparse import ArgumentParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.labelsets.errors import LabelImportError
from annotations.labelsets.importing import match_label_files, parse_label_map, regions_from_file
from annotations.management.base import InputsFailed, PlatformCommand, project_by_slug, validation_message
from annotations.models import Mosaic
from annotations.selectors.labels import source_stem
from annotations.services.label_import import read_import_labels
from annotations.vocabulary import FeatureLabel, parse_diagnosis

LABEL_SUFFIXES = {".png", ".tif", ".tiff", ".nrrd", ".nhdr", ".geojson", ".json"}


@dataclass
class Summary:
    imported: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def label_files(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The label files under ``paths`` (folders recursively), and the paths that do not exist."""
    found: list[Path] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LABEL_SUFFIXES
                            and not p.name.startswith("."))  # fmt: skip
        elif path.exists():
            found.append(path)
        else:
            missing.append((str(path), "no such file or folder"))
    return found, missing


def csv_diagnoses(path: Path) -> dict[str, str]:
    """The CSV's ``diagnosis`` column by file name (empty when the column is absent)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    table = {}
    for row in rows:
        name, text = (row.get("file") or "").strip(), (row.get("diagnosis") or "").strip()
        if name and text:
            try:
                table[Path(name).name] = parse_diagnosis(text).value
            except ValueError as error:
                raise CommandError(f"{path.name}: {name}: {error}") from error
    return table


class Command(PlatformCommand):
    help = "Import existing label masks or QuPath GeoJSON as a reader's reads (see the module docstring)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--reader", required=True, help="Username whose reads the labels become.")
        parser.add_argument("--submit", action="store_true", help="Submit each imported read.")
        parser.add_argument("--label-map", nargs="+", default=[], metavar="VALUE=FEATURE",
                            help="Mask value or class name = feature label (value or name).")  # fmt: skip
        parser.add_argument("--mapping", type=Path, help="CSV file,mosaic[,diagnosis] instead of matching by stem.")

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        reader = get_user_model().objects.filter(username=options["reader"]).first()
        if reader is None:
            raise CommandError(f"no user {options['reader']!r}")
        try:
            label_map = parse_label_map(options["label_map"])
        except ValueError as error:
            raise CommandError(f"--label-map: {error}") from error
        diagnoses = csv_diagnoses(options["mapping"]) if options["mapping"] else {}
        mosaics = {m.pk: m for m in Mosaic.objects.filter(case__project=project).select_related("case__project")}
        files, missing = label_files(options["paths"])
        summary = Summary(failed=missing)
        try:
            matches = match_label_files(files, mosaics={pk: source_stem(m) for pk, m in mosaics.items()},
                                        mapping_csv=options["mapping"])  # fmt: skip
        except LabelImportError as error:
            raise CommandError(str(error)) from error
        summary.failed += [(path.name, reason) for path, reason in matches.unmatched]
        known = dict(FeatureLabel.choices)
        for path, mosaic_id in tqdm(matches.matched, desc="importing labels", unit="mosaic",
                                    disable=options.get("verbosity", 1) == 0):  # fmt: skip
            mosaic = mosaics[mosaic_id]
            where = f"{path.name} -> mosaic {mosaic_id}"
            try:
                if not mosaic.width or not mosaic.height:
                    raise LabelImportError(f"mosaic {mosaic_id} is {mosaic.status}, not ready")
                regions = regions_from_file(path, width=mosaic.width, height=mosaic.height, label_map=label_map,
                                            known_labels=known, max_pixels=settings.RCM_MAX_IMAGE_PIXELS)  # fmt: skip
                read_import_labels(mosaic=mosaic, reader=reader, regions=regions, submit=options["submit"],
                                   diagnosis=diagnoses.get(path.name, ""))  # fmt: skip
            except LabelImportError as error:
                summary.failed.append((where, str(error)))
                continue
            except ValidationError as error:
                summary.failed.append((where, validation_message(error)))
                continue
            summary.imported.append(f"{where} ({len(regions)} region(s))")
        self.stdout.write(f"imported {len(summary.imported)}, failed {len(summary.failed)}")
        for name in summary.imported:
            self.stdout.write(f"  imported {name}")
        for name, reason in summary.failed:
            self.stdout.write(f"  failed   {name}: {reason}")
        if summary.failed:
            raise InputsFailed(len(summary.failed), len(summary.failed) + len(summary.imported))
