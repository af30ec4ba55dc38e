"""``manage.py export_labelset --project SLUG [--policy consensus|union|intersection|reader:USERNAME] [--out DIR]``.

Writes an immutable, versioned label-set snapshot of the project (label masks,
QuPath GeoJSON, tile manifest, COCO instances, manifest with SHA-256; see
``annotations.services.labelsets`` for the policies and splits) here, with a
progress bar, or on a worker with ``--queue``. The snapshot goes under
MEDIA_ROOT, or into ``DIR/<slug>-labelset-v<N>`` with ``--out``. The last line
printed is the snapshot's version; a failed export exits 1 with its reason and
leaves no snapshot marked complete.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from annotations.management.base import PlatformCommand, project_by_slug
from annotations.models import LabelSetStatus
from annotations.selectors.labelsets import labelset_root
from annotations.services.labelsets import DEFAULT_MASK_DOWNSAMPLE, labelset_build, labelset_create


def parse_fractions(text: str) -> dict[str, float]:
    """``train=0.7,val=0.15,test=0.15`` as a dict."""
    fractions = {}
    for item in text.split(","):
        name, separator, value = item.partition("=")
        try:
            if not separator or not name.strip():
                raise ValueError
            fractions[name.strip()] = float(value)
        except ValueError:
            raise CommandError(f"--splits: {item!r} is not NAME=FRACTION") from None
    return fractions


class Command(PlatformCommand):
    help = "Export a versioned label-set snapshot of a project (see the module docstring)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--policy", default="consensus", help="consensus, union, intersection or reader:USERNAME.")
        parser.add_argument("--out", type=Path, help="Folder to write the snapshot's folder into (default: media).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the new patients' split (recorded).")
        parser.add_argument("--splits", default="", help="Split fractions, e.g. train=0.7,val=0.15,test=0.15.")
        parser.add_argument("--mask-downsample", type=int, default=DEFAULT_MASK_DOWNSAMPLE,
                            help="Label masks at 1/N of full resolution.")  # fmt: skip

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        labelset = labelset_create(
            project=project, by=None, policy=options["policy"], seed=options["seed"],
            split_fractions=parse_fractions(options["splits"]) if options["splits"] else None,
            out_dir=options["out"], mask_downsample=options["mask_downsample"],
        )  # fmt: skip
        quiet = options.get("verbosity", 1) == 0
        labelset = labelset_build(
            labelset_id=labelset.pk,
            progress=lambda items: tqdm(
                list(items), desc=f"label set v{labelset.version}", unit="mosaic", disable=quiet
            ),  # fmt: skip
        )
        if labelset.status != LabelSetStatus.COMPLETE:
            raise CommandError(f"label set v{labelset.version} failed: {labelset.failure_reason}")
        splits = ", ".join(f"{name} {count}" for name, count in sorted(labelset.split_counts.items()))
        self.stdout.write(
            f"label set v{labelset.version} of {project.slug} ({labelset.policy}): {labelset.mosaic_count} mosaic(s), "
            f"{labelset.region_count} region(s), {labelset.patient_count} patient(s) ({splits}) "
            f"in {labelset_root(labelset)}; manifest SHA-256 {labelset.manifest_sha256}"
        )
        self.stdout.write(str(labelset.version))
