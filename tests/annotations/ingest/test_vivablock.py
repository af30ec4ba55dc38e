"""VivaBlock folders are stitched frame by frame into their grid, banners cropped."""

from pathlib import Path

import numpy as np
import pytest
import pyvips

from annotations.ingest.errors import IngestError
from annotations.ingest.pipeline import ingest_source
from annotations.ingest.vivablock import make_grid

from .vivablocks import make_vivablock

LIMIT = 400_000_000


def stitched(folder: Path, out: Path, **grid: object) -> tuple[np.ndarray, dict]:
    result = ingest_source(
        folder, out, max_pixels=LIMIT, default_um_per_px=0.5, grid=make_grid(**grid) if grid else None
    )
    return pyvips.Image.new_from_file(str(result.pyramid)).numpy(), result.source_info


@pytest.mark.parametrize("order", ["raster", "serpentine"])
def test_frames_land_pixel_exact_in_their_grid_cell(tmp_path: Path, order: str) -> None:
    whole = make_vivablock(tmp_path / "VivaBlock #1", columns=4, rows=3, order=order)
    pixels, info = stitched(tmp_path / "VivaBlock #1", tmp_path / "out", columns=4, rows=3, order=order)
    assert np.array_equal(pixels, whole)
    assert info["banner_rows_cropped"] == 14 and info["banner_rule"].startswith("flat band")


def test_raster_frames_read_as_serpentine_are_misplaced(tmp_path: Path) -> None:
    whole = make_vivablock(tmp_path / "block", columns=3, rows=2, order="raster")
    pixels, _ = stitched(tmp_path / "block", tmp_path / "out", columns=3, rows=2, order="serpentine")
    assert not np.array_equal(pixels, whole)


def test_noisy_banner_under_non_square_frames_is_cropped_by_the_square_convention(tmp_path: Path) -> None:
    whole = make_vivablock(tmp_path / "block", columns=2, rows=2, banner_style="noise")
    pixels, info = stitched(tmp_path / "block", tmp_path / "out", columns=2, rows=2)
    assert np.array_equal(pixels, whole)
    assert info["banner_rule"].startswith("square-frame")


def test_an_explicit_banner_height_overrides_detection(tmp_path: Path) -> None:
    whole = make_vivablock(tmp_path / "block", columns=2, rows=1, banner=0)
    pixels, info = stitched(tmp_path / "block", tmp_path / "out", columns=2, rows=1, banner_rows=20)
    assert np.array_equal(pixels, whole[:-20])
    assert info["banner_rule"] == "given"


def test_grid_is_read_from_vivablock_json(tmp_path: Path) -> None:
    whole = make_vivablock(tmp_path / "block", columns=3, rows=2, order="serpentine", layout=True)
    pixels, info = stitched(tmp_path / "block", tmp_path / "out")
    assert np.array_equal(pixels, whole) and info["grid"]["order"] == "serpentine"


def test_missing_frames_fail_naming_them(tmp_path: Path) -> None:
    make_vivablock(tmp_path / "block", columns=3, rows=2)
    (tmp_path / "block" / "v0000004.bmp").unlink()
    with pytest.raises(IngestError, match="1 of 6 frames are missing.*v0000004"):
        stitched(tmp_path / "block", tmp_path / "out", columns=3, rows=2)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_folder_without_grid_asks_for_one(tmp_path: Path) -> None:
    make_vivablock(tmp_path / "block", columns=2, rows=2)
    with pytest.raises(IngestError, match="--grid"):
        stitched(tmp_path / "block", tmp_path / "out")


def test_the_checksum_of_a_folder_changes_when_a_frame_changes(tmp_path: Path) -> None:
    from annotations.ingest.pipeline import sha256_of

    make_vivablock(tmp_path / "block", columns=2, rows=1)
    before = sha256_of(tmp_path / "block")
    frame = tmp_path / "block" / "v0000001.bmp"
    frame.write_bytes(frame.read_bytes()[:-1] + b"\x01")
    assert sha256_of(tmp_path / "block") != before
