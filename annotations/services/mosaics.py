"""Mosaics: creating them from uploads and imports, and ingesting them into pyramids.

The file checks that need no decoding (name, size, content type, declared pixel
count, channels) run while the request is still open, so a hostile file gets a
400 and leaves neither a record nor a byte on disk (the row is created inside the
transaction and the files are removed before it rolls back). Everything that
needs decoding runs in the ``annotations.ingest_mosaic`` task, which leaves the
mosaic ``ready`` or ``failed`` with a reason, and removes every partial file.
"""

import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

import pyvips
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.enqueue import enqueue_on_commit
from annotations.heartbeat import heartbeat
from annotations.ingest.errors import IngestError, StorageFull
from annotations.ingest.names import check_filename, pseudonym_for
from annotations.ingest.pipeline import ingest_source, sha256_of
from annotations.ingest.prerender import write_dzi_tiles
from annotations.ingest.pyramid import Compression, atomic_path
from annotations.ingest.sniff import check_header, read_header
from annotations.ingest.vivablock import Grid
from annotations.models import Case, Mosaic, MosaicStatus, UploadSession, UploadStatus
from annotations.selectors.access import AnyUser, can_contribute_to
from annotations.signals import mosaic_ready
from annotations.storage import DZI_DIR_NAME, media_path, media_root, mosaic_dir, remove_mosaic_files, to_relative
from audit.services import audit_record
from users.models import User

logger = logging.getLogger(__name__)

COPY_BLOCK = 1024**2
# A task re-delivered this many times (its worker died each time, e.g. out of
# memory) is failed instead of tried forever.
MAX_INGEST_ATTEMPTS = 3
PROGRESS_STEP = 5


class ByteStream(Protocol):
    """What a chunk is read from: a file, or the request itself (streamed, never held whole)."""

    def read(self, size: int, /) -> bytes: ...


def _check_contributor(*, case: Case, by: AnyUser | None) -> None:
    if by is not None and not can_contribute_to(user=by, project=case.project, center=case.center):
        raise PermissionDenied("only contributors of this case's center and the project's leads can add mosaics")


def _checked_name(name: str, field: str = "file") -> str:
    try:
        return check_filename(name)
    except IngestError as error:
        raise ValidationError({field: str(error)}) from error


def _stored_name(case: Case, name: str, field: str = "file") -> str:
    """The name the platform keeps for an incoming file: the checked name, or its pseudonym.

    With the project's ``pseudonymize_filenames`` the original name is replaced
    before anything is stored, so it is kept nowhere: not in ``Mosaic.original_filename``,
    not in ``UploadSession.filename``, not in the kept original's path on disk
    (``mosaics/<id>/original/<pseudonym>``). Only the uploader's browser knew it.
    Without it the name is kept in those three places, and readers never see it
    (the API and pages give it only to leads and the contributors of the center).
    """
    name = _checked_name(name, field)
    return pseudonym_for(name) if case.project.pseudonymize_filenames else name


def _check_size(size: int, field: str = "size") -> None:
    limit = settings.RCM_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError({field: f"{size:,} bytes is above the upload limit of {limit:,} bytes"})
    if size <= 0:
        raise ValidationError({field: "the file is empty (0 bytes)"})


def _check_image_header(path: Path, field: str = "file") -> None:
    """The checks that need only the header; ValidationError naming ``field``."""
    try:
        check_header(read_header(path), max_pixels=settings.RCM_MAX_IMAGE_PIXELS)
    except IngestError as error:
        raise ValidationError({field: str(error)}) from error


def _original_destination(mosaic: Mosaic, name: str) -> Path:
    return mosaic_dir(mosaic.pk) / "original" / name


@contextmanager
def _files_removed_on_error(mosaic: Mosaic) -> Iterator[None]:
    try:
        yield
    except BaseException:
        remove_mosaic_files(mosaic.pk)
        raise


def _enqueue_ingest(mosaic: Mosaic) -> None:
    enqueue_on_commit("annotations.ingest_mosaic", mosaic.pk)


@transaction.atomic
def mosaic_create_from_upload(*, case: Case, name: str, content: IO[bytes], size: int, by: AnyUser | None) -> Mosaic:
    """A mosaic from a whole uploaded file (multipart); its ingest runs after commit."""
    _check_contributor(case=case, by=by)
    name = _stored_name(case, name)
    _check_size(size, field="file")
    mosaic = Mosaic.objects.create(case=case, original_filename=name, uploaded_by=_user_or_none(by))
    destination = _original_destination(mosaic, name)
    with _files_removed_on_error(mosaic):
        with atomic_path(destination) as temporary, temporary.open("wb") as out:
            shutil.copyfileobj(content, out, COPY_BLOCK)
        _check_image_header(destination)
        mosaic.original_path = to_relative(destination)
        mosaic.save(update_fields=["original_path", "updated_at"])
    _audit_created(mosaic, by, via="upload")
    _enqueue_ingest(mosaic)
    return mosaic


def _audit_created(mosaic: Mosaic, by: AnyUser | None, *, via: str) -> None:
    audit_record(action="mosaic.create", by=_user_or_none(by), obj=mosaic, project=mosaic.case.project_id,
                 after={"case": mosaic.case_id, "via": via, "checksum": mosaic.checksum})  # fmt: skip


def _user_or_none(user: AnyUser | None) -> User | None:
    return user if user is not None and user.is_authenticated and isinstance(user, AbstractBaseUser) else None


# Resumable uploads ---------------------------------------------------------------------------


def upload_part_path(session: UploadSession) -> Path:
    return media_root() / "uploads" / f"{session.pk}.part"


@transaction.atomic
def upload_session_create(*, case: Case, filename: str, size: int, by: User) -> UploadSession:
    _check_contributor(case=case, by=by)
    filename = _stored_name(case, filename, field="filename")
    _check_size(size)
    session = UploadSession.objects.create(case=case, filename=filename, size=size, created_by=by)
    part = upload_part_path(session)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.touch()
    return session


def _check_chunk(session: UploadSession, *, offset: int, length: int) -> None:
    if session.status != UploadStatus.RECEIVING:
        raise ValidationError({"status": f"this upload is {session.status}; start a new one"})
    if offset < 0 or offset > session.received:
        raise ValidationError(
            {"offset": f"a chunk must start at or before byte {session.received} (bytes received so far)"}
        )
    if length < 0 or offset + length > session.size:
        raise ValidationError({"offset": f"the chunk ends past the declared size of {session.size} bytes"})


def upload_session_append(*, session: UploadSession, offset: int, length: int, body: ByteStream) -> UploadSession:
    """Write ``length`` bytes of ``body`` at ``offset``; re-sending bytes already held is harmless.

    A chunk may start anywhere up to the bytes received so far (not beyond: no
    gaps). If the body ends early (a dropped connection) what arrived is kept, and
    ``received`` tells the client where to resume.

    No transaction and no row lock are held while the bytes stream in (a slow client
    would hold them for minutes): the chunk is checked, written to the part file, and
    only then is ``received`` raised, in a short transaction under the row's lock.
    ``received`` only grows and every byte below it has been written, so a chunk
    that started at or below it still leaves no gap, whatever ran concurrently.
    """
    session = UploadSession.objects.get(pk=session.pk)
    _check_chunk(session, offset=offset, length=length)
    part = upload_part_path(session)
    if not part.is_file():
        raise ValidationError({"status": "this upload's bytes are gone from the server; start a new upload"})
    written = 0
    with part.open("r+b") as out:
        out.seek(offset)
        while written < length:
            block = body.read(min(COPY_BLOCK, length - written))
            if not block:
                break
            out.write(block)
            written += len(block)
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().get(pk=session.pk)
        if session.status != UploadStatus.RECEIVING:  # completed or aborted while the bytes came in
            raise ValidationError({"status": f"this upload is {session.status}; start a new one"})
        session.received = max(session.received, offset + written)
        session.save(update_fields=["received", "updated_at"])
    return session


def upload_session_complete(*, session: UploadSession, by: User, sha256: str | None = None) -> Mosaic:
    """All bytes are in: check them, turn them into a mosaic and queue its ingest.

    A file refused here (not an image, a bomb, a checksum mismatch) ends the upload:
    its bytes are deleted, the session is aborted and the answer says why.
    """
    _check_contributor(case=session.case, by=by)
    if session.status != UploadStatus.RECEIVING:
        raise ValidationError({"status": f"this upload is already {session.status}"})
    if session.received != session.size:
        raise ValidationError({"received": f"{session.received} of {session.size} bytes received; send the rest first"})
    part = upload_part_path(session)
    if not part.is_file():  # removed under the session (a cleanup, a lost disk): nothing left to complete
        upload_session_abort(session=session)
        raise ValidationError({"received": "the upload's bytes are no longer on the server; start a new upload"})
    try:
        if sha256 and sha256_of(part).lower() != sha256.strip().lower():
            raise ValidationError({"sha256": "the bytes received do not match this SHA-256; upload again"})
        _check_image_header(part)
    except ValidationError:
        upload_session_abort(session=session)
        raise
    return _upload_session_to_mosaic(session=session, by=by)


@transaction.atomic
def _upload_session_to_mosaic(*, session: UploadSession, by: User) -> Mosaic:
    session = UploadSession.objects.select_for_update().select_related("case").get(pk=session.pk)
    if session.status != UploadStatus.RECEIVING:  # a concurrent completion won
        raise ValidationError({"status": f"this upload is already {session.status}"})
    part = upload_part_path(session)
    mosaic = Mosaic.objects.create(case=session.case, original_filename=session.filename, uploaded_by=by)
    destination = _original_destination(mosaic, session.filename)
    with _files_removed_on_error(mosaic):
        destination.parent.mkdir(parents=True, exist_ok=True)
        part.rename(destination)
        mosaic.original_path = to_relative(destination)
        mosaic.save(update_fields=["original_path", "updated_at"])
        session.status = UploadStatus.COMPLETE
        session.mosaic = mosaic
        session.save(update_fields=["status", "mosaic", "updated_at"])
    _audit_created(mosaic, by, via="resumable upload")
    _enqueue_ingest(mosaic)
    return mosaic


@transaction.atomic
def upload_session_abort(*, session: UploadSession) -> UploadSession:
    session = UploadSession.objects.select_for_update().get(pk=session.pk)
    if session.status == UploadStatus.RECEIVING:
        upload_part_path(session).unlink(missing_ok=True)
        session.status = UploadStatus.ABORTED
        session.save(update_fields=["status", "updated_at"])
    return session


# Imports from the server's disk -------------------------------------------------------------


@transaction.atomic
def mosaic_create_from_path(*, case: Case, source: Path, checksum: str = "", by: AnyUser | None = None) -> Mosaic:
    """A mosaic record for a file or VivaBlock folder on this server; the original is
    copied in only when the project keeps originals (ingest reads ``source`` otherwise)."""
    _check_contributor(case=case, by=by)
    mosaic = Mosaic.objects.create(
        case=case, original_filename=_stored_name(case, source.name), checksum=checksum, uploaded_by=_user_or_none(by)
    )
    if case.project.keep_originals:
        # (The source's own path stays the operator's, on the server's disk.)
        destination = _original_destination(mosaic, mosaic.original_filename)
        with _files_removed_on_error(mosaic):
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                with atomic_path(destination) as temporary:
                    shutil.copyfile(source, temporary)
            mosaic.original_path = to_relative(destination)
            mosaic.save(update_fields=["original_path", "updated_at"])
    _audit_created(mosaic, by, via="server path")
    return mosaic


# Ingest ----------------------------------------------------------------------------------------


def _progress_writer(mosaic_id: int) -> Callable[[int], None]:
    """Store progress in steps (not on every libvips tick) so polling sees it move."""
    last = [-PROGRESS_STEP]

    def write(percent: int) -> None:
        percent = max(0, min(99, percent))
        if percent - last[0] >= PROGRESS_STEP:
            last[0] = percent
            Mosaic.objects.filter(pk=mosaic_id).update(progress=percent)

    return write


def _fail(mosaic: Mosaic, reason: str, *, keep_original: bool) -> Mosaic:
    """Failed with ``reason``; partial outputs removed (and the original, unless kept for a re-run)."""
    directory = mosaic_dir(mosaic.pk)
    for child in list(directory.iterdir()) if directory.exists() else []:
        if keep_original and child.name == "original":
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    mosaic.status = MosaicStatus.FAILED
    mosaic.failure_reason = reason
    mosaic.progress = 0
    mosaic.pyramid_path = mosaic.thumbnail_path = ""
    if not keep_original:
        mosaic.original_path = ""
        shutil.rmtree(directory, ignore_errors=True)
    mosaic.save()
    return mosaic


def _remove_partial_files(mosaic_id: int) -> None:
    """What an attempt whose process was killed was writing: ``atomic_path``'s hidden files and the hidden
    folder of half-rendered deep-zoom tiles (``write_dzi_tiles``)."""
    directory = mosaic_dir(mosaic_id)
    for child in directory.iterdir() if directory.is_dir() else []:
        if not child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _touch(mosaic_id: int) -> None:
    """The ingest's heartbeat: ``updated_at`` stays fresh while a live process ingests."""
    Mosaic.objects.filter(pk=mosaic_id, status=MosaicStatus.PROCESSING).update(updated_at=timezone.now())


def mosaic_ingest_is_stale(mosaic: Mosaic) -> bool:
    """Whether a mosaic not ready has no live ingest (killed, or never started): it may be resumed."""
    if mosaic.status in (MosaicStatus.READY, MosaicStatus.FAILED):
        return False
    quiet_for = (timezone.now() - mosaic.updated_at).total_seconds()
    return quiet_for > settings.RCM_TASK_LEASE_SECONDS


def mosaic_ingest(*, mosaic_id: int, source: Path | None = None, grid: Grid | None = None) -> Mosaic:
    """Convert the mosaic's original into its pyramid and thumbnail; ready or failed, never between.

    Not one transaction: progress must be visible to other requests while it runs.
    Safe to run again: a ready mosaic is left alone; a ``processing`` one whose
    worker died is resumed (the dead attempt's temporary files removed, attempts
    counted and capped). The pyramid is fsync'ed before its rename, so a mosaic is
    never ``ready`` on a partial file.
    ``source`` is the file or folder to read when the original is not stored
    (imports with ``keep_originals`` off).
    """
    mosaic = Mosaic.objects.select_related("case__project").get(pk=mosaic_id)
    if mosaic.status == MosaicStatus.READY:
        return mosaic  # a re-delivered task after success
    # A failed mosaic run again is a deliberate re-run: its count starts afresh.
    previous = 0 if mosaic.status == MosaicStatus.FAILED else int(mosaic.source_info.get("ingest_attempts", 0))
    attempts = previous + 1
    if attempts > MAX_INGEST_ATTEMPTS:
        return _fail(
            mosaic,
            f"ingest was interrupted {MAX_INGEST_ATTEMPTS} times (its worker died, e.g. out of memory); "
            "ask an administrator to check the workers' memory, then upload again",
            keep_original=True,
        )
    mosaic.status = MosaicStatus.PROCESSING
    mosaic.progress = 0
    mosaic.failure_reason = ""
    mosaic.source_info = {"ingest_attempts": attempts}
    mosaic.save()
    _remove_partial_files(mosaic.pk)  # what an earlier, killed attempt was writing
    project = mosaic.case.project
    try:
        if source is None:
            if not mosaic.original_path:
                raise IngestError("the original file is gone; upload the mosaic again")
            source = media_path(mosaic.original_path)
        with heartbeat(lambda: _touch(mosaic.pk), every=max(0.5, settings.RCM_TASK_LEASE_SECONDS / 3)):
            result = ingest_source(
                source,
                mosaic_dir(mosaic.pk),
                max_pixels=settings.RCM_MAX_IMAGE_PIXELS,
                default_um_per_px=project.default_um_per_px,
                grid=grid,
                compression=Compression.parse(settings.RCM_PYRAMID_COMPRESSION),
                checksum=mosaic.checksum or None,
                dzi_quality=settings.RCM_TILE_JPEG_QUALITY if settings.RCM_TILE_PRERENDER else None,
                on_progress=_progress_writer(mosaic.pk),
            )
    except StorageFull as error:  # not the file's fault: keep its original for the re-run
        return _fail(mosaic, str(error), keep_original=True)
    except IngestError as error:
        return _fail(mosaic, str(error), keep_original=False)
    except Exception as error:  # noqa: BLE001 - any crash must end as a visible, actionable state
        logger.exception("ingest of mosaic %s crashed", mosaic.pk)
        return _fail(
            mosaic,
            f"ingest stopped on an unexpected error ({type(error).__name__}: {error}); "
            "the original was kept: an administrator can re-run the ingest",
            keep_original=True,
        )
    mosaic.width, mosaic.height = result.width, result.height
    mosaic.um_per_px = result.um_per_px
    mosaic.checksum = result.checksum
    mosaic.source_info = {**result.source_info, "ingest_attempts": attempts}
    mosaic.pyramid_path = to_relative(result.pyramid)
    mosaic.thumbnail_path = to_relative(result.thumbnail)
    if result.dzi is None:  # a re-run with pre-rendering off: tiles of an earlier pyramid must not stay
        shutil.rmtree(mosaic_dir(mosaic.pk) / DZI_DIR_NAME, ignore_errors=True)
    if not project.keep_originals and mosaic.original_path:
        shutil.rmtree(media_path(mosaic.original_path).parent, ignore_errors=True)
        mosaic.original_path = ""
    mosaic.status = MosaicStatus.READY
    mosaic.progress = 100
    mosaic.save()
    # Pre-annotation is queued here, never when a reader opens the mosaic. The mosaic is ready
    # whatever a receiver does: its errors are logged, not raised into the ingest.
    for receiver, outcome in mosaic_ready.send_robust(sender=Mosaic, mosaic=mosaic):
        if isinstance(outcome, Exception):
            logger.error("mosaic %s is ready, but %s failed: %s", mosaic.pk, receiver, outcome, exc_info=outcome)
    return mosaic


def mosaic_prerender_tiles(*, mosaic: Mosaic) -> Path:
    """Pre-render the Deep Zoom tiles of a ready mosaic ingested without them (ingest does it otherwise).

    Readers may be viewing it meanwhile: the tree appears whole (renamed into place), and
    Django serves the files from its next access decision (``RCM_TILE_ACCESS_TTL`` at most).
    """
    if mosaic.status != MosaicStatus.READY or not mosaic.pyramid_path:
        raise ValidationError({"status": f"mosaic {mosaic.pk} is {mosaic.status}; only ready mosaics have tiles"})
    try:
        return write_dzi_tiles(
            media_path(mosaic.pyramid_path), mosaic_dir(mosaic.pk) / DZI_DIR_NAME, quality=settings.RCM_TILE_JPEG_QUALITY
        )
    except pyvips.Error as error:
        raise ValidationError({"pyramid": f"mosaic {mosaic.pk}: the pyramid cannot be read ({error})"}) from error


@transaction.atomic
def mosaic_attach_ground_truth(*, mosaic: Mosaic, files: dict[str, Path], facts: dict[str, object]) -> Mosaic:
    """Copy ground-truth files (a mask, regions) beside the pyramid and record them in ``source_info``."""
    directory = mosaic_dir(mosaic.pk) / "ground_truth"
    directory.mkdir(parents=True, exist_ok=True)
    stored: dict[str, object] = dict(facts)
    for key, path in files.items():
        with atomic_path(directory / path.name) as temporary:
            shutil.copyfile(path, temporary)
        stored[key] = to_relative(directory / path.name)
    mosaic.source_info = {**mosaic.source_info, "ground_truth": stored}
    mosaic.save(update_fields=["source_info", "updated_at"])
    return mosaic
