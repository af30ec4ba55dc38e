"""Large BMPs are converted strip by strip: every pixel kept, memory bounded; compressed bombs refused."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import pyvips

from annotations.ingest import bmp
from annotations.ingest.errors import IngestError
from annotations.ingest.pipeline import ingest_source
from tests.hostile.corpus import bmp_bytes, rle8_bomb

ROOT = Path(__file__).resolve().parents[3]


def write_bmp(path: Path, pixels: np.ndarray, *, top_down: bool = False) -> Path:
    """An uncompressed BMP of ``pixels`` (H x W grey, or H x W x 3 RGB), rows padded to 4 bytes."""
    height, width = pixels.shape[:2]
    stored = pixels[:, :, ::-1] if pixels.ndim == 3 else pixels  # BMP keeps BGR
    row = stored.reshape(height, -1)
    padded = np.zeros((height, (row.shape[1] + 3) // 4 * 4), dtype=np.uint8)
    padded[:, : row.shape[1]] = row
    rows = padded if top_down else padded[::-1]
    bits = 24 if pixels.ndim == 3 else 8
    path.write_bytes(bmp_bytes(width, -height if top_down else height, bits=bits, compression=0,
                               pixel_data=rows.tobytes()))  # fmt: skip
    return path


def ingest(path: Path, out: Path):  # type: ignore[no-untyped-def]
    return ingest_source(path, out, max_pixels=400_000_000, default_um_per_px=0.5)


def full_resolution(pyramid: Path) -> np.ndarray:
    return np.asarray(pyvips.Image.new_from_file(str(pyramid)).numpy())


@pytest.mark.parametrize("top_down", [False, True])
def test_a_large_grey_bmp_keeps_every_pixel_and_leaves_no_scratch_file(tmp_path: Path, top_down: bool) -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(1501, 2997), dtype=np.uint8)  # 4.5 MP: streamed; odd width: padded rows
    result = ingest(write_bmp(tmp_path / "big.bmp", pixels, top_down=top_down), tmp_path / "out")
    assert np.array_equal(full_resolution(result.pyramid), pixels)
    assert result.source_info["conversions"] == []
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["pyramid.tiff", "thumbnail.png"]


def test_a_large_colour_bmp_becomes_bt601_grey(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, size=(1400, 3001, 3), dtype=np.uint8)
    result = ingest(write_bmp(tmp_path / "rgb.bmp", pixels), tmp_path / "out")
    expected = np.rint(pixels.astype(np.float64) @ [0.299, 0.587, 0.114])
    assert np.abs(full_resolution(result.pyramid).astype(np.int16) - expected).max() <= 1
    assert result.source_info["channels"] == 3
    assert any("BT.601" in step for step in result.source_info["conversions"])


def test_a_run_length_encoded_bmp_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "bomb.bmp"
    path.write_bytes(rle8_bomb())  # 2 MB of codes for 256 MP
    with pytest.raises(IngestError, match="bounded memory"):
        ingest(path, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_bmp_ingest_of_100_megapixels_peaks_far_below_a_gigabyte(tmp_path: Path) -> None:
    """Peak resident memory of the whole ingest, measured in a process of its own (Pillow needed ~5x the pixels)."""
    side = 10_000
    path = tmp_path / "huge.bmp"
    with path.open("wb") as out:  # written in strips: the test must not hold it either
        out.write(bmp_bytes(side, side, bits=8, compression=0, pixel_data=b""))
        for first in range(0, side, 1000):
            out.write(((np.arange(1000 * side, dtype=np.uint32) + first) % 251).astype(np.uint8).tobytes())
    data_offset = 14 + 40 + 1024
    header = bytearray(path.read_bytes()[:data_offset])
    header[2:6] = (data_offset + side * side).to_bytes(4, "little")
    with path.open("r+b") as out:
        out.write(header)
    # VmHWM, the high-water mark of this address space: getrusage's ru_maxrss would also count the
    # pages the child shared with the test process before its exec.
    script = (
        "import json, re, sys; from pathlib import Path;"
        "from annotations.ingest.pipeline import ingest_source;"
        "r = ingest_source(Path(sys.argv[1]), Path(sys.argv[2]), max_pixels=400_000_000, default_um_per_px=0.5);"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', Path('/proc/self/status').read_text()).group(1));"
        "print(json.dumps({'peak_mb': peak / 1024, 'w': r.width}))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"peak RSS of a {side}x{side} BMP ingest: {measured['peak_mb']:.0f} MB")
    assert measured["w"] == side
    assert measured["peak_mb"] < 1024
    assert bmp.PILLOW_MAX_PIXELS < side * side  # this size is only readable by the strip path
