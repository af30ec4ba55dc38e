"""Label-set snapshots: which labels go in (the policy), patient splits, the files, and the record.

**Policies** (``--policy`` / ``policy``):

- ``consensus``: a mosaic's submitted consensus read where it has one; any other
  mosaic falls back to ``intersection`` of its reader reads (``FALLBACK``);
- ``union`` / ``intersection``: of the mosaic's reader reads
  (``annotations.agreement.consensus.consensus_proposals``; a mosaic read once
  contributes that read as it is);
- ``reader:USERNAME``: that reader's submitted read.

A mosaic takes part when every one of its reader reads is submitted (for the
first three policies; a mosaic still being read is left out) or, for
``reader:``, when that reader's read is. Regions come from each read's revision
at the version recorded for the snapshot, so a later change never alters what a
snapshot claims.

**Splits**: by patient (``center code/patient code``), stratified by the
patient's majority case diagnosis (``annotations.labelsets.splits``), seeded;
a patient of an earlier complete snapshot keeps its split (``PatientSplit``).

**Building** (``labelset_build``, in a Celery task for the API and in-process for
the command): ``labelset_create`` first records the snapshot as ``building`` with
the next version number; the writer builds the directory under a ``.partial``
name, one mosaic at a time, and renames it into place only when every file and
the manifest are written; the record becomes ``complete`` (with the manifest's
SHA-256, the mosaics, reads and versions, the new patients' splits) in one
transaction after that. Any error marks it ``failed`` with the reason and leaves
no directory under the final name. Nothing changes a complete snapshot
afterwards; ``labelset_verify`` checks its files against the manifest.
"""

import logging
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotations.agreement.consensus import consensus_proposals
from annotations.enqueue import enqueue_on_commit
from annotations.labelsets.manifest import MANIFEST_NAME, file_sha256
from annotations.labelsets.splits import DEFAULT_FRACTIONS, assign_splits, majority_diagnosis
from annotations.labelsets.writer import LabelSetWriter, SnapshotMosaic, SnapshotSettings
from annotations.models import (
    LabelSet,
    LabelSetMosaic,
    LabelSetStatus,
    Mosaic,
    MosaicStatus,
    PatientSplit,
    Project,
    Read,
    ReadKind,
    ReadStatus,
)
from annotations.selectors.access import can_manage_project
from annotations.selectors.labels import mosaic_info, patient_key, reader_labels
from annotations.selectors.labelsets import labelset_root
from annotations.storage import media_root
from annotations.vocabulary import FEATURE_LABEL_COLOURS, FeatureLabel
from audit.services import audit_record
from users.models import User

logger = logging.getLogger(__name__)

POLICIES = ("consensus", "union", "intersection")
READER_POLICY = "reader:"
FALLBACK = "intersection"
EXPORT_TASK = "annotations.export_labelset"
DEFAULT_MASK_DOWNSAMPLE = 4


@dataclass(frozen=True)
class Policy:
    name: str  # consensus, union, intersection or reader
    reader: User | None = None

    def __str__(self) -> str:
        return f"{READER_POLICY}{self.reader.get_username()}" if self.reader is not None else self.name


@dataclass
class Selected:
    """One mosaic of a snapshot: where its labels come from."""

    mosaic: Mosaic
    source: str  # consensus, union, intersection or reader
    reads: list[Read]


def parse_policy(text: str) -> Policy:
    if text in POLICIES:
        return Policy(text)
    if text.startswith(READER_POLICY):
        username = text[len(READER_POLICY) :]
        reader = get_user_model().objects.filter(username=username).first()
        if reader is None:
            raise ValidationError({"policy": f"no user {username!r}"})
        return Policy("reader", reader)
    raise ValidationError({"policy": f"the policy is one of {', '.join(POLICIES)} or reader:USERNAME, not {text!r}"})


def labelset_selection(*, project: Project, policy: Policy) -> list[Selected]:
    """The project's mosaics that go into a snapshot under ``policy``, in id order."""
    reads_by_mosaic: dict[int, list[Read]] = {}
    for read in (
        Read.objects.filter(mosaic__case__project=project, mosaic__status=MosaicStatus.READY)
        .select_related("reader")
        .order_by("mosaic_id", "assigned_at", "id")
    ):
        reads_by_mosaic.setdefault(read.mosaic_id, []).append(read)
    mosaics = Mosaic.objects.filter(pk__in=list(reads_by_mosaic)).select_related("case__project", "case__center")
    selected = []
    for mosaic in mosaics.order_by("pk"):
        reads = reads_by_mosaic[mosaic.pk]
        readers = [read for read in reads if read.kind == ReadKind.READER]
        consensus = next((read for read in reads if read.kind == ReadKind.CONSENSUS), None)
        if policy.reader is not None:
            own = [
                read for read in readers if read.reader_id == policy.reader.pk and read.status == ReadStatus.SUBMITTED
            ]
            if own:
                selected.append(Selected(mosaic, "reader", own))
            continue
        if policy.name == "consensus" and consensus is not None and consensus.status == ReadStatus.SUBMITTED:
            selected.append(Selected(mosaic, "consensus", [consensus]))
            continue
        if readers and all(read.status == ReadStatus.SUBMITTED for read in readers):
            selected.append(Selected(mosaic, FALLBACK if policy.name == "consensus" else policy.name, readers))
    return selected


def _check_fractions(fractions: Mapping[str, Any] | None) -> dict[str, float]:
    wanted = dict(fractions or DEFAULT_FRACTIONS)
    try:
        assign_splits({}, seed=0, fractions=wanted)
    except (ValueError, TypeError) as error:
        raise ValidationError({"split_fractions": str(error)}) from error
    return {str(name): float(value) for name, value in wanted.items()}


@transaction.atomic
def labelset_create(
    *,
    project: Project,
    by: User | None,
    policy: str = "consensus",
    seed: int = 0,
    split_fractions: Mapping[str, Any] | None = None,
    out_dir: Path | None = None,
    mask_downsample: int = DEFAULT_MASK_DOWNSAMPLE,
) -> LabelSet:
    """Record a new snapshot as ``building`` with the project's next version; nothing is written yet.

    ``by`` None is the platform (an operator's command). Refused (ValidationError)
    when nothing would go in. ``out_dir``: the folder the snapshot's own folder is
    made in (default: under MEDIA_ROOT).
    """
    if by is not None and not can_manage_project(user=by, project=project):
        raise PermissionDenied("only the project's leads and admins export label sets")
    parsed = parse_policy(policy)
    fractions = _check_fractions(split_fractions)
    if not 1 <= mask_downsample <= 64:
        raise ValidationError({"mask_downsample": "the mask downsample is a whole number from 1 to 64"})
    if not labelset_selection(project=project, policy=parsed):
        raise ValidationError({"policy": f"nothing to export: no mosaic of {project.slug} has submitted reads "
                                         f"that policy {parsed} takes"})  # fmt: skip
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one version number at a time
    version = (LabelSet.objects.filter(project=project).aggregate(last=Max("version"))["last"] or 0) + 1
    if out_dir is not None:
        root = Path(out_dir).resolve() / f"{project.slug}-labelset-v{version}"
        stored = str(root)
    else:
        root = media_root() / "labelsets" / project.slug / f"v{version}"
        stored = str(Path("labelsets") / project.slug / f"v{version}")
    if root.exists():
        raise ValidationError({"out": f"{root} exists already; a snapshot is written into a new folder"})
    labelset = LabelSet.objects.create(
        project=project, version=version, policy=str(parsed), seed=seed, split_fractions=fractions, path=stored,
        options={"mask_downsample": mask_downsample, "tile_px": project.agreement_tile_px,
                 "positive_fraction": project.agreement_positive_fraction, "fallback": FALLBACK},
        created_by=by,
    )  # fmt: skip
    audit_record(action="labelset.create", by=by, obj=labelset, project=project,
                 after={"version": version, "policy": str(parsed), "seed": seed, "split_fractions": fractions,
                        "path": stored})  # fmt: skip
    return labelset


def labelset_request(*, project: Project, by: User, **options: Any) -> LabelSet:
    """A lead's export from the API: recorded now, built by ``annotations.export_labelset`` on the cpu queue."""
    labelset = labelset_create(project=project, by=by, **options)
    enqueue_on_commit(EXPORT_TASK, labelset.pk)
    return labelset


def _regions(selected: Selected) -> list[tuple[str, dict[str, Any]]]:
    """The mosaic's labels under its source, from each read's revision at its current (recorded) version."""
    labels = [reader_labels(read, version=read.version) for read in selected.reads]
    if len(labels) == 1:
        return [(label, dict(geometry)) for label, geometry in labels[0].regions]
    mosaic = selected.mosaic
    proposal = consensus_proposals(labels, width=int(mosaic.width or 0), height=int(mosaic.height or 0),
                                   label_order=FeatureLabel.values)[selected.source]  # fmt: skip
    return [(feature["properties"]["label"], feature["geometry"]) for feature in proposal["features"]]


def _patient_diagnoses(selection: list[Selected]) -> dict[str, str]:
    """Each patient's stratum: the majority of its cases' diagnoses (a case without one: its reads')."""
    diagnoses: dict[str, list[str]] = {}
    for selected in selection:
        case = selected.mosaic.case
        given = [case.diagnosis] if case.diagnosis else [read.diagnosis for read in selected.reads]
        diagnoses.setdefault(patient_key(case), []).extend(given)
    return {patient: majority_diagnosis(values) for patient, values in diagnoses.items()}


def labelset_build(
    *, labelset_id: int, progress: Callable[[Iterable[Selected]], Iterable[Selected]] = lambda items: items
) -> LabelSet:
    """Write a ``building`` snapshot's files and mark it complete, or failed with the reason (see the docstring).

    ``progress`` wraps the mosaics as they are written (the command's progress bar).
    A snapshot that is not ``building`` is returned unchanged (a re-delivered task).
    """
    labelset = LabelSet.objects.select_related("project").get(pk=labelset_id)
    if labelset.status != LabelSetStatus.BUILDING:
        return labelset
    root = labelset_root(labelset)
    try:
        records, splits = _write(labelset, root, progress)
    except Exception as error:  # noqa: BLE001 - any failure becomes the snapshot's stated reason
        logger.exception("label set %s failed", labelset.pk)
        return _fail(labelset, f"{type(error).__name__}: {error}")
    try:
        with transaction.atomic():
            LabelSetMosaic.objects.bulk_create(records)
            known = set(PatientSplit.objects.filter(project=labelset.project).values_list("patient", flat=True))
            PatientSplit.objects.bulk_create([
                PatientSplit(project=labelset.project, patient=patient, split=split, labelset=labelset)
                for patient, split in sorted(splits.items()) if patient not in known
            ])  # fmt: skip
            counts: dict[str, int] = {}
            for record in records:
                counts[record.split] = counts.get(record.split, 0) + 1
            labelset.status = LabelSetStatus.COMPLETE
            labelset.manifest_sha256 = file_sha256(root / MANIFEST_NAME)
            labelset.mosaic_count = len(records)
            labelset.region_count = sum(record.region_count for record in records)
            labelset.patient_count = len({record.patient for record in records})
            labelset.split_counts = counts
            labelset.completed_at = timezone.now()
            labelset.save()
    except Exception as error:  # noqa: BLE001 - the files must not outlive a record that is not complete
        shutil.rmtree(root, ignore_errors=True)
        return _fail(labelset, f"{type(error).__name__}: {error}")
    return labelset


def _fail(labelset: LabelSet, reason: str) -> LabelSet:
    labelset.status = LabelSetStatus.FAILED
    labelset.failure_reason = reason
    labelset.save(update_fields=["status", "failure_reason"])
    return labelset


def _write(
    labelset: LabelSet, root: Path, progress: Callable[[Iterable[Selected]], Iterable[Selected]]
) -> tuple[list[LabelSetMosaic], dict[str, str]]:
    project = labelset.project
    selection = labelset_selection(project=project, policy=parse_policy(labelset.policy))
    if not selection:
        raise ValueError("nothing to export any more: no mosaic has submitted reads under this policy")
    existing = dict(PatientSplit.objects.filter(project=project).values_list("patient", "split"))
    splits = assign_splits(_patient_diagnoses(selection), seed=labelset.seed, fractions=labelset.split_fractions,
                           existing=existing)  # fmt: skip
    options = labelset.options
    settings = SnapshotSettings(
        labels=FeatureLabel.values, mask_downsample=options["mask_downsample"], tile_px=options["tile_px"],
        positive_fraction=options["positive_fraction"], colours=FEATURE_LABEL_COLOURS,
    )  # fmt: skip
    records = []
    sources: dict[str, Any] = {}
    root.parent.mkdir(parents=True, exist_ok=True)
    with LabelSetWriter(root, settings) as writer:
        for selected in progress(selection):
            mosaic = selected.mosaic
            info = mosaic_info(mosaic)
            patient = patient_key(mosaic.case)
            regions = _regions(selected)
            writer.add(SnapshotMosaic(id=mosaic.pk, name=info.name, width=info.width, height=info.height,
                                      um_per_px=info.um_per_px, patient=patient, split=splits[patient],
                                      regions=regions))  # fmt: skip
            reads = [{"read": read.pk, "reader": read.reader.get_username(), "kind": read.kind,
                      "version": read.version} for read in selected.reads]  # fmt: skip
            sources[str(mosaic.pk)] = {"source": selected.source, "reads": reads}
            records.append(LabelSetMosaic(labelset=labelset, mosaic=mosaic, source=selected.source, reads=reads,
                                          patient=patient, split=splits[patient], region_count=len(regions)))  # fmt: skip
        writer.close(metadata={
            "version": labelset.version, "project": project.slug, "policy": labelset.policy, "fallback": FALLBACK,
            "split_seed": labelset.seed, "split_fractions": labelset.split_fractions,
            "created_at": labelset.created_at.isoformat(), "mosaics": sources,
        })  # fmt: skip
    return records, splits
