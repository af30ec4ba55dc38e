"""``manage.py make_demo_mosaics``: synthetic RCM-like mosaics with ground truth.

``--out DIR`` writes the files only (``<stem>.tif``, ``<stem>.mask.png``,
``<stem>.regions.geojson``); ``--project SLUG`` also makes one case per mosaic at
``--center`` (default: the project's first center), ingests it here, and stores
the mask and regions under the mosaic's ``ground_truth/`` folder (recorded in
``source_info["ground_truth"]``). ``--if-empty`` does nothing when the project
already has mosaics, so ``make run`` can call it every time.
"""

import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.demo.synthetic import generate, write_files
from annotations.management.base import PlatformCommand
from annotations.models import Case, Center, Mosaic, MosaicStatus, Project
from annotations.services.cases import case_create
from annotations.services.mosaics import mosaic_attach_ground_truth, mosaic_create_from_path, mosaic_ingest
from annotations.vocabulary import Diagnosis

DEMO_DIAGNOSES = [Diagnosis.ATYPICAL_MELANOCYTIC, Diagnosis.BASAL_CELL_CARCINOMA, Diagnosis.ACTINIC_KERATOSIS]


class Command(PlatformCommand):
    help = "Generate synthetic RCM-like mosaics with ground-truth masks; optionally load them into a project."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--count", type=int, default=3)
        parser.add_argument("--width", type=int, default=4000)
        parser.add_argument("--height", type=int, default=4000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, help="Write the files here (and keep them).")
        parser.add_argument("--project", help="Project slug to load the mosaics into.")
        parser.add_argument("--center", help="Center code of the new cases (default: the project's first).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the project has mosaics.")

    def run(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1 or options["width"] < 64 or options["height"] < 64:
            raise CommandError("--count must be at least 1 and --width/--height at least 64 px")
        if not options["out"] and not options["project"]:
            raise CommandError("give --out DIR (files only) or --project SLUG (load into a project)")
        project = center = None
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"no project {options['project']!r}")
            if options["if_empty"] and Mosaic.objects.filter(case__project=project).exists():
                self.stdout.write(f"project {project.slug} already has mosaics; nothing to do")
                return
            center = self._center(project, options["center"])
        with tempfile.TemporaryDirectory(prefix="demo-mosaics-") as scratch:
            folder = options["out"] or Path(scratch)
            made = []
            for index in tqdm(range(options["count"]), desc="demo mosaics", unit="mosaic",
                              disable=options.get("verbosity", 1) == 0):  # fmt: skip
                seed = options["seed"] + index
                synthetic = generate(options["width"], options["height"], seed=seed)
                stem = f"synthetic-{seed:03d}"
                files = write_files(synthetic, folder, stem)
                if project is not None and center is not None:
                    made.append(self._load(project, center, stem, files, synthetic.suspicious_fraction, index))
                else:
                    made.append(str(files["image"]))
        self.stdout.write(f"made {len(made)} synthetic mosaic(s):")
        for line in made:
            self.stdout.write(f"  {line}")

    @staticmethod
    def _center(project: Project, code: str | None) -> Center:
        center = Center.objects.filter(code=code).first() if code else project.centers.order_by("code").first()
        if center is None:
            raise CommandError(
                f"no center {code!r}" if code else f"project {project.slug} has no center; pass --center"
            )
        return center

    @staticmethod
    def _load(project: Project, center: Center, stem: str, files: dict[str, Path], fraction: float, index: int) -> str:
        code = stem.upper()
        case = Case.objects.filter(project=project, center=center, code=code).first() or case_create(
            project=project, center=center, by=None, code=code, patient_code=f"P-{code}",
            diagnosis=DEMO_DIAGNOSES[index % len(DEMO_DIAGNOSES)],
        )  # fmt: skip
        mosaic = mosaic_create_from_path(case=case, source=files["image"])
        mosaic = mosaic_ingest(mosaic_id=mosaic.pk, source=files["image"])
        if mosaic.status != MosaicStatus.READY:
            raise CommandError(f"{stem}: ingest failed: {mosaic.failure_reason}")
        mosaic_attach_ground_truth(
            mosaic=mosaic,
            files={"mask": files["mask"], "regions": files["regions"]},
            facts={"suspicious_fraction": round(fraction, 5), "kind": "synthetic"},
        )
        return f"mosaic #{mosaic.pk} in case {case} ({mosaic.width} x {mosaic.height}, ready)"
