"""Label-set snapshots as leads see them: listed, described, verified, their files served.

Leads and admins of the project only (anyone else: None, a 404). A snapshot's
files are those its ``manifest.json`` lists (and the manifest itself): a
download names one of them, so no path outside the snapshot can be asked for.
"""

import json
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from annotations.labelsets.manifest import MANIFEST_NAME, file_sha256, verify_manifest
from annotations.models import LabelSet, LabelSetStatus, Project
from annotations.selectors.region_json import utc_timestamp
from annotations.storage import media_path

from .access import AnyUser, projects_managed_by


def labelsets_managed_by(*, user: AnyUser) -> QuerySet[LabelSet]:
    return LabelSet.objects.filter(project__in=projects_managed_by(user=user)).select_related("project", "created_by")


def labelsets_of(*, project: Project) -> QuerySet[LabelSet]:
    return LabelSet.objects.filter(project=project).select_related("project", "created_by").order_by("-version")


def labelset_root(labelset: LabelSet) -> Path:
    """The snapshot's folder (stored relative to MEDIA_ROOT, or absolute when exported elsewhere)."""
    path = Path(labelset.path)
    return path if path.is_absolute() else media_path(labelset.path)


def labelset_verify(*, labelset: LabelSet) -> list[str]:
    """What no longer matches in a complete snapshot's files (empty: intact)."""
    if labelset.status != LabelSetStatus.COMPLETE:
        return [f"label set v{labelset.version} is {labelset.status}, not complete"]
    root = labelset_root(labelset)
    if not root.is_dir():
        return [f"{root}: the snapshot's folder is missing"]
    problems = verify_manifest(root)
    manifest = root / MANIFEST_NAME
    if manifest.is_file() and file_sha256(manifest) != labelset.manifest_sha256:
        problems.append(f"{MANIFEST_NAME}: changed (SHA-256 differs from the one recorded at export)")
    return problems


def manifest_files(labelset: LabelSet) -> list[dict[str, Any]]:
    """``[{"path", "bytes", "sha256"}]`` of a complete snapshot, from its manifest (empty otherwise)."""
    if labelset.status != LabelSetStatus.COMPLETE:
        return []
    try:
        return list(json.loads((labelset_root(labelset) / MANIFEST_NAME).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def labelset_file(labelset: LabelSet, relative: str) -> Path | None:
    """The file ``relative`` of a complete snapshot when its manifest lists it (or it is the manifest)."""
    if labelset.status != LabelSetStatus.COMPLETE:
        return None
    listed = {entry["path"] for entry in manifest_files(labelset)} | {MANIFEST_NAME}
    if relative not in listed:
        return None
    path = labelset_root(labelset) / relative
    return path if path.is_file() else None


def labelset_dict(labelset: LabelSet, *, detail: bool = False) -> dict[str, Any]:
    body = {
        "id": labelset.pk, "project": labelset.project.slug, "version": labelset.version,
        "policy": labelset.policy, "status": labelset.status, "failure_reason": labelset.failure_reason,
        "seed": labelset.seed, "split_fractions": labelset.split_fractions, "options": labelset.options,
        "manifest_sha256": labelset.manifest_sha256, "mosaic_count": labelset.mosaic_count,
        "region_count": labelset.region_count, "patient_count": labelset.patient_count,
        "split_counts": labelset.split_counts,
        "created_by": labelset.created_by.get_username() if labelset.created_by else None,
        "created_at": utc_timestamp(labelset.created_at), "completed_at": utc_timestamp(labelset.completed_at),
    }  # fmt: skip
    if detail:
        body["files"] = manifest_files(labelset)
        body["mosaics"] = [
            {"mosaic": row.mosaic_id, "source": row.source, "reads": row.reads, "patient": row.patient,
             "split": row.split, "region_count": row.region_count}
            for row in labelset.mosaics.order_by("mosaic_id")
        ]  # fmt: skip
    return body
