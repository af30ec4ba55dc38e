"""The label set's manifest: every file it holds with its size and SHA-256, and a verifier.

``manifest.json`` sits at the root of the label set and lists every other file
(relative POSIX paths, sorted) with its byte size and SHA-256, plus the
metadata the snapshot records (settings, label values, split seed ...).
``verify_manifest`` recomputes the hashes: a changed, missing or unlisted file
is a problem, named in the returned list (empty: intact).
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"


def file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() != MANIFEST_NAME)


def write_manifest(root: Path, *, metadata: Mapping[str, Any] | None = None) -> Path:
    """Hash every file under ``root`` into ``root/manifest.json``; returns its path."""
    entries = [{"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
               for path in _files(root)]  # fmt: skip
    target = root / MANIFEST_NAME
    target.write_text(json.dumps({**(metadata or {}), "files": entries}, indent=1, sort_keys=True) + "\n")
    return target


def verify_manifest(root: Path) -> list[str]:
    """What does not match the manifest (missing, changed or unlisted files); empty when intact."""
    try:
        listed = json.loads((root / MANIFEST_NAME).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST_NAME} cannot be read: {error}"]
    problems = []
    known = set()
    for entry in listed:
        relative = entry["path"]
        known.add(relative)
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif path.stat().st_size != entry["bytes"] or file_sha256(path) != entry["sha256"]:
            problems.append(f"{relative}: changed (SHA-256 differs from the manifest)")
    for path in _files(root):
        if path.relative_to(root).as_posix() not in known:
            problems.append(f"{path.relative_to(root).as_posix()}: not in the manifest")
    return problems
