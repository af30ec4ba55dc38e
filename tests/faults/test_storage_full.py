"""The media volume fills up during ingest: a clear failure, nothing corrupt served, the original kept.

The media root is a small tmpfs mounted for this test (the tests run as root here
and in CI); where mounting is not permitted the test says so and is skipped.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvips

from annotations.models import MosaicStatus, Role
from annotations.services.mosaics import mosaic_create_from_path, mosaic_ingest
from annotations.storage import media_path, mosaic_dir
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member

pytestmark = pytest.mark.faults

VOLUME_MB = 48


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "volume"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={VOLUME_MB}m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs as the full disk (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(volume: Path, *, leave_mb: int) -> Path:
    """A filler file that leaves ``leave_mb`` MB free on ``volume``."""
    filler = volume / "filler"
    free = shutil.disk_usage(volume).free
    with filler.open("wb") as out:
        out.truncate(0)
        block = b"\0" * 1024**2
        for _ in range(max(0, free // 1024**2 - leave_mb)):
            out.write(block)
    return filler


@pytest.mark.django_db
def test_ingest_on_a_full_volume_fails_clearly_and_succeeds_once_space_is_freed(
    small_volume: Path, settings, tmp_path: Path, api_client_for
) -> None:
    settings.MEDIA_ROOT = small_volume
    source = tmp_path / "noisy.tif"
    pyvips.Image.gaussnoise(3000, 3000, mean=128, sigma=30).cast("uchar").tiffsave(str(source), tile=True)
    project = ProjectFactory(keep_originals=True)
    center = CenterFactory()
    project.centers.add(center)
    mosaic = mosaic_create_from_path(case=CaseFactory(project=project, center=center), source=source)
    filler = fill(small_volume, leave_mb=2)  # the 9 MB pyramid cannot fit

    mosaic = mosaic_ingest(mosaic_id=mosaic.pk)
    assert mosaic.status == MosaicStatus.FAILED
    assert "storage is full" in mosaic.failure_reason and "administrator" in mosaic.failure_reason
    assert mosaic.pyramid_path == "" and mosaic.thumbnail_path == ""
    leftovers = sorted(path.name for path in mosaic_dir(mosaic.pk).iterdir())
    assert leftovers == ["original"]  # no partial pyramid or thumbnail, the original kept for the re-run
    lead = member(project, Role.LEAD)
    tiles = api_client_for(lead).get(f"/api/mosaics/{mosaic.pk}/dzi_files/12/0_0.jpeg")
    assert tiles.status_code == 409, tiles.content  # nothing is served from a failed mosaic

    filler.unlink()
    mosaic = mosaic_ingest(mosaic_id=mosaic.pk)
    assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    assert pyvips.Image.new_from_file(str(media_path(mosaic.pyramid_path))).avg() > 100
