"""``manage.py import_mosaics PATH... --project SLUG --center CODE [--metadata cases.csv]``.

A center's bulk contribution from the server's disk. Each PATH is an image file,
a VivaBlock folder (frames ``v0000000.bmp`` …, counted as one mosaic), or a folder
whose images and VivaBlock folders are imported (recursively).

With ``--metadata`` a CSV with the header ``file,case,patient,diagnosis,site,histopathology``
says which case each file belongs to (``file`` and ``case`` required; the other
columns may be empty or absent; ``file`` is matched by name; diagnosis by the
study's abbreviation or full name, case-insensitive). Without it each file becomes
its own case and patient, both named by the file stem.

A VivaBlock's grid comes from a ``vivablock.json`` beside its frames, e.g.
``{"columns": 8, "rows": 6, "order": "serpentine", "banner_rows": "auto"}``, or
else from ``--grid 8x6 [--serpentine] [--banner-rows N]``.

Re-running skips sources already imported into the project (same SHA-256), and
finishes those whose import was killed mid-ingest (no live ingest for
``RCM_TASK_LEASE_SECONDS``). A
source that fails leaves nothing behind (no mosaic, no case made for it) and is
listed with its reason. Ingest runs here, in this process; ``--queue`` runs the
whole command on a worker (give absolute paths the workers can read).
"""

import csv
import re
from argparse import ArgumentParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from tqdm import tqdm

from annotations.ingest.errors import IngestError
from annotations.ingest.pipeline import sha256_of
from annotations.ingest.sniff import sniff_format
from annotations.ingest.vivablock import Grid, grid_from_folder, is_vivablock, make_grid, parse_grid
from annotations.management.base import InputsFailed, PlatformCommand, validation_message
from annotations.models import Case, Center, MosaicStatus, Project
from annotations.selectors.mosaics import mosaic_with_checksum
from annotations.services.cases import case_create
from annotations.services.mosaics import mosaic_create_from_path, mosaic_ingest, mosaic_ingest_is_stale
from annotations.vocabulary import FacialSite, parse_diagnosis

REQUIRED_COLUMNS = ("file", "case")
OPTIONAL_COLUMNS = ("patient", "diagnosis", "site", "histopathology")
TRUE_WORDS = {"1", "y", "yes", "true", "confirmed", "x"}
FALSE_WORDS = {"", "0", "n", "no", "false", "unconfirmed"}
SIDE_FILES = (".csv", ".json", ".txt", ".md")


@dataclass
class CaseFields:
    code: str
    patient_code: str
    diagnosis: str = ""
    site: str = ""
    histopathology_confirmed: bool = False


@dataclass
class Summary:
    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def pseudonym_from_stem(stem: str) -> str:
    """A case/patient code from a file stem: characters outside the pseudonym alphabet become '-'."""
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    return code[:64] or "mosaic"


def parse_site(text: str) -> str:
    key = text.strip().lower()
    if not key:
        return ""
    for choice in FacialSite:
        if key in (choice.value, str(choice.label).lower()):
            return choice.value
    raise ValueError(f"unknown site {text!r}; use one of {', '.join(FacialSite.values)}")


def parse_histopathology(text: str) -> bool:
    key = text.strip().lower()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise ValueError(f"histopathology {text!r} is not yes/no")


def read_metadata(path: Path) -> dict[str, CaseFields | str]:
    """File name -> its case fields, or the reason its row is unusable."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
            header = [name.strip().lower() for name in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CommandError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; header: file,case,patient,diagnosis,site,histopathology"
        )
    table: dict[str, CaseFields | str] = {}
    for row in rows:
        values = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        name = Path(values["file"]).name
        if not name:
            continue
        try:
            code = values["case"]
            if not code:
                raise ValueError("the case column is empty")
            table[name] = CaseFields(
                code=code,
                patient_code=values.get("patient") or code,
                diagnosis=parse_diagnosis(values["diagnosis"]).value if values.get("diagnosis") else "",
                site=parse_site(values.get("site", "")),
                histopathology_confirmed=parse_histopathology(values.get("histopathology", "")),
            )
        except ValueError as error:
            table[name] = f"{path.name}: {error}"
    return table


def find_sources(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Image files and VivaBlock folders under ``paths``; and what was passed over, with why."""
    sources: list[Path] = []
    passed_over: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            passed_over.append((str(path), "no such file or folder"))
        elif path.is_dir() and not is_vivablock(path):
            children = sorted(child for child in path.iterdir() if not child.name.startswith("."))
            found, skipped = find_sources(children)
            sources += found
            # Side files of a contribution (the CSV, notes) are not worth a line each.
            passed_over += [(name, why) for name, why in skipped if not name.lower().endswith(SIDE_FILES)]
        elif path.is_dir() or _looks_like_image(path):
            sources.append(path)
        else:
            passed_over.append((str(path), "not an image"))
    return sources, passed_over


def _looks_like_image(path: Path) -> bool:
    with path.open("rb") as stream:
        return sniff_format(stream.read(32)) is not None


class Command(PlatformCommand):
    help = "Import mosaic files and VivaBlock folders into a project for a center (see the module docstring)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--center", required=True, help="Center code the cases belong to.")
        parser.add_argument("--metadata", type=Path, help="CSV: file,case,patient,diagnosis,site,histopathology.")
        parser.add_argument("--grid", help="VivaBlock grid COLUMNSxROWS when no vivablock.json is beside the frames.")
        parser.add_argument("--serpentine", action="store_true", help="VivaBlock rows alternate direction.")
        parser.add_argument(
            "--banner-rows", type=int, help="Rows of burned-in banner under each frame (default: detect)."
        )

    def run(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']!r}")
        center = Center.objects.filter(code=options["center"]).first()
        if center is None:
            raise CommandError(f"no center {options['center']!r}")
        grid = self._grid(options)
        metadata = read_metadata(options["metadata"]) if options["metadata"] else None
        sources, passed_over = find_sources(options["paths"])
        summary = Summary(skipped=passed_over)
        for source in tqdm(sources, desc="importing", unit="mosaic", disable=options.get("verbosity", 1) == 0):
            self._import_one(source, project=project, center=center, metadata=metadata, grid=grid, summary=summary)
        self._print(summary)
        if summary.failed:
            raise InputsFailed(len(summary.failed), len(sources))

    def _grid(self, options: dict[str, Any]) -> Grid | None:
        if not options["grid"]:
            return None
        try:
            columns, rows = parse_grid(options["grid"])
            return make_grid(
                columns=columns,
                rows=rows,
                order="serpentine" if options["serpentine"] else "raster",
                banner_rows=options["banner_rows"],
            )
        except (ValueError, IngestError) as error:
            raise CommandError(f"--grid: {error}") from error

    def _import_one(
        self,
        source: Path,
        *,
        project: Project,
        center: Center,
        metadata: dict[str, CaseFields | str] | None,
        grid: Grid | None,
        summary: Summary,
    ) -> None:
        name = source.name
        if metadata is None:
            code = pseudonym_from_stem(source.stem if source.is_file() else source.name)
            fields: CaseFields | str = CaseFields(code=code, patient_code=code)
        else:
            fields = metadata.get(name, f"{name} is not listed in the metadata CSV")
        if isinstance(fields, str):
            summary.failed.append((name, fields))
            return
        try:
            folder_grid = grid_from_folder(source) if source.is_dir() else None
            checksum = sha256_of(source)
        except (IngestError, OSError) as error:
            summary.failed.append((name, str(error)))
            return
        existing = mosaic_with_checksum(project=project, checksum=checksum)
        if existing is not None and not mosaic_ingest_is_stale(existing):
            summary.skipped.append((name, f"already imported as mosaic #{existing.pk} (same SHA-256)"))
            return
        if existing is not None:  # an earlier import was killed mid-ingest: finish it
            case, case_is_new, mosaic = existing.case, False, existing
        else:
            try:
                case, case_is_new = self._case(project=project, center=center, fields=fields)
            except ValidationError as error:
                summary.failed.append((name, validation_message(error)))
                return
            mosaic = mosaic_create_from_path(case=case, source=source, checksum=checksum)
        mosaic = mosaic_ingest(mosaic_id=mosaic.pk, source=source, grid=folder_grid or grid)
        if mosaic.status == MosaicStatus.READY:
            summary.imported.append(name)
            return
        summary.failed.append((name, mosaic.failure_reason))
        # Nothing half-made stays: the failed mosaic goes, and the case if it was made for it.
        with transaction.atomic():
            mosaic.delete()
            if case_is_new and not case.mosaics.exists():
                case.delete()

    @staticmethod
    def _case(*, project: Project, center: Center, fields: CaseFields) -> tuple[Case, bool]:
        case = Case.objects.filter(project=project, center=center, code=fields.code).first()
        if case is not None:
            if case.patient_code != fields.patient_code:
                raise ValidationError(
                    {
                        "patient": f"case {fields.code} already belongs to patient {case.patient_code}, not {fields.patient_code}"
                    }
                )
            return case, False
        created = case_create(
            project=project,
            center=center,
            by=None,
            code=fields.code,
            patient_code=fields.patient_code,
            diagnosis=fields.diagnosis,
            site=fields.site,
            histopathology_confirmed=fields.histopathology_confirmed,
        )
        return created, True

    def _print(self, summary: Summary) -> None:
        self.stdout.write(
            f"imported {len(summary.imported)}, skipped {len(summary.skipped)}, failed {len(summary.failed)}"
        )
        for name, reason in summary.skipped:
            self.stdout.write(f"  skipped {name}: {reason}")
        for name, reason in summary.failed:
            self.stdout.write(f"  failed  {name}: {reason}")
