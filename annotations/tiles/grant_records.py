"""Tile grants on disk: one symbolic link per user, credential and mosaic, read by Django and nginx.

    <RCM_TILE_GRANT_DIR>/<user id>/<credential tag>/<mosaic id>  ->  where the mosaic's tiles are

A record exists from the moment Django decides that a credential (a session or an
API token) of a user may see a mosaic until it is revoked. Django checks it on
every tile it serves from its in-process decision cache (one ``lstat``, no network
round trip) and nginx serves tiles only through it (``try_files`` under this
directory, platform/nginx): removing the record ends both paths at once.

- logout, or a deleted token: the credential's folder becomes a plain file, a
  tombstone, so a decision racing with the logout cannot create a record again;
- a change to what a user may see (membership, role, read, the user itself): the
  user's folder goes;
- a mosaic deleted or re-ingested: its records under every user go;
- ``records_expire`` (Celery beat) removes records older than the signed URLs'
  lifetime and tombstones older than a session.

Removing a record is always safe: the next tile goes to Django, which decides
again (one query) and writes the record back if access still holds. Decisions
write the record *before* they query access, and revocations run after their
transaction commits, so a decision racing a revocation either sees the new state
or has its record removed by it. The credential tag is an HMAC of the credential
(never the credential itself), so a path reveals nothing to whoever reads it.
"""

import hashlib
import hmac
import os
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

from annotations.ingest.prerender import DZI_DIR_NAME, dzi_descriptor_path, dzi_tiles_dir
from annotations.storage import media_root, mosaic_dir

_TRIES = 3


def grant_root() -> Path:
    return Path(settings.RCM_TILE_GRANT_DIR) if settings.RCM_TILE_GRANT_DIR else media_root() / "tilegrants"


def credential_tag(kind: str, credential: str) -> str:
    """A stable, non-reversible name for a credential (``kind``: "session" or "token")."""
    message = f"{kind}:{credential}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def record_path(user_id: int, tag: str, mosaic_id: int) -> Path:
    return grant_root() / str(user_id) / tag / str(mosaic_id)


def served_tiles_dir(mosaic_id: int, user_id: int) -> Path:
    """Where nginx finds this user's tiles of the mosaic: the pre-rendered ones, else the user's own
    tile directory that Django fills (``RCM_TILE_DISK_CACHE_DIR``), else where pre-rendered tiles would be."""
    prerendered = mosaic_dir(mosaic_id) / DZI_DIR_NAME
    if settings.RCM_TILE_DISK_CACHE_DIR and not dzi_descriptor_path(prerendered).is_file():
        return user_tile_dir(mosaic_id, user_id)
    return dzi_tiles_dir(prerendered)


def user_tile_dir(mosaic_id: int, user_id: int) -> Path:
    """A user's rendered tiles of a mosaic (no pre-rendered ones): per user, so what one reader looked at
    never shows in another reader's responses (blind reading)."""
    return Path(settings.RCM_TILE_DISK_CACHE_DIR) / str(mosaic_id) / str(user_id)


def record_create(user_id: int, tag: str, mosaic_id: int, *, target: Path) -> Path | None:
    """Write (or refresh) the record; None when the credential was revoked (a tombstone is there)."""
    path = record_path(user_id, tag, mosaic_id)
    link_target = os.path.relpath(target, path.parent)
    for _ in range(_TRIES):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            return None  # tombstone: this credential was logged out or deleted
        temporary = path.parent / f".{mosaic_id}-{os.getpid()}-{time.monotonic_ns()}"
        try:
            os.symlink(link_target, temporary)
            os.replace(temporary, path)
            return path
        except FileNotFoundError:
            continue  # the folder was revoked between mkdir and here: decide on a fresh folder
        except NotADirectoryError:
            return None
    return None


def record_exists(path: Path) -> bool:
    return os.path.lexists(path)


def record_remove(path: Path) -> None:
    try:
        path.unlink()
    except (FileNotFoundError, NotADirectoryError):
        pass


def revoke_credential(user_id: int, tag: str) -> None:
    """Logout or a deleted token: remove the credential's records and leave a tombstone."""
    folder = grant_root() / str(user_id) / tag
    folder.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_TRIES):
        shutil.rmtree(folder, ignore_errors=True)
        handle, temporary = tempfile.mkstemp(dir=folder.parent, prefix=".tombstone-")
        os.close(handle)
        try:
            os.replace(temporary, folder)
            return
        except OSError:  # a racing decision made the folder again: remove it again
            Path(temporary).unlink(missing_ok=True)


def revoke_user(user_id: int) -> None:
    """The user's access may have changed: every record of the user goes (tombstones stay)."""
    for entry in _entries(grant_root() / str(user_id)):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def revoke_user_mosaic(user_id: int, mosaic_id: int) -> None:
    for entry in _entries(grant_root() / str(user_id)):
        if entry.is_dir(follow_symlinks=False):
            record_remove(Path(entry.path) / str(mosaic_id))


def revoke_mosaic(mosaic_id: int) -> None:
    """The mosaic is deleted or re-ingested: nobody's record of it stays."""
    for user_folder in _entries(grant_root()):
        for credential in _entries(Path(user_folder.path)):
            if credential.is_dir(follow_symlinks=False):
                record_remove(Path(credential.path) / str(mosaic_id))


def records_expire(*, record_age: float, tombstone_age: float, now: float | None = None) -> int:
    """Remove records older than ``record_age`` seconds and tombstones older than ``tombstone_age``."""
    now = time.time() if now is None else now
    removed = 0
    for user_folder in _entries(grant_root()):
        for credential in _entries(Path(user_folder.path)):
            if not credential.is_dir(follow_symlinks=False):
                if now - credential.stat(follow_symlinks=False).st_mtime > tombstone_age:
                    Path(credential.path).unlink(missing_ok=True)
                    removed += 1
                continue
            for record in _entries(Path(credential.path)):
                if now - record.stat(follow_symlinks=False).st_mtime > record_age:
                    record_remove(Path(record.path))
                    removed += 1
            _remove_if_empty(Path(credential.path))
        _remove_if_empty(Path(user_folder.path))
    return removed


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (or gone): a decision may be writing into it
