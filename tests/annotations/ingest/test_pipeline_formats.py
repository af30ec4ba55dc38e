"""Every accepted format, bit depth and channel layout becomes the same kind of pyramid."""

from pathlib import Path

import numpy as np
import pytest
import pyvips

from annotations.ingest.errors import IngestError
from annotations.ingest.pipeline import ingest_source
from annotations.ingest.read import BT601

from . import images

LIMIT = 400_000_000


def ingest(path: Path, out: Path, **kwargs: object):
    return ingest_source(path, out, max_pixels=LIMIT, default_um_per_px=0.5, **kwargs)


def pyramid_pixels(path: Path) -> np.ndarray:
    return pyvips.Image.new_from_file(str(path), page=0).numpy()


GRAY_LOSSLESS = {
    "striped-tiff": ("src.tif", {}),
    "tiled-tiff": ("src.tif", {"tile": True, "tile_width": 128, "tile_height": 128}),
    "pyramidal-tiff": ("src.tif", {"tile": True, "pyramid": True, "compression": "lzw"}),
    "bigtiff": ("src.tif", {"bigtiff": True, "compression": "deflate"}),
    "png": ("src.png", {}),
}


@pytest.mark.parametrize("kind", GRAY_LOSSLESS)
def test_grey_8bit_lossless_sources_keep_every_pixel(tmp_path: Path, kind: str) -> None:
    name, options = GRAY_LOSSLESS[kind]
    pixels = images.gray8()
    result = ingest(images.write(tmp_path / name, pixels, **options), tmp_path / "out")
    assert (result.width, result.height) == (images.WIDTH, images.HEIGHT)
    assert np.array_equal(pyramid_pixels(result.pyramid), pixels)
    pixel_changes = [c for c in result.source_info["conversions"] if not c.startswith("first of")]
    assert pixel_changes == []


def test_a_pyramidal_source_is_read_at_full_resolution_and_says_so(tmp_path: Path) -> None:
    pixels = images.gray8(1100, 900)
    path = images.write(tmp_path / "src.tif", pixels, tile=True, pyramid=True)
    result = ingest(path, tmp_path / "out")
    assert (result.width, result.height) == (1100, 900)
    assert any(c.startswith("first of 5 pages") for c in result.source_info["conversions"])  # 1100, 550 … 68 px


def test_grey_bmp_keeps_every_pixel(tmp_path: Path) -> None:
    pixels = images.gray8()
    result = ingest(images.write_bmp(tmp_path / "src.bmp", pixels), tmp_path / "out")
    assert np.array_equal(pyramid_pixels(result.pyramid), pixels)


@pytest.mark.parametrize("name", ["src.png", "src.tif", "src.bmp", "src.jpg"])
def test_rgb_becomes_bt601_grey_and_says_so(tmp_path: Path, name: str) -> None:
    pixels = images.rgb8()
    path = tmp_path / name
    images.write_bmp(path, pixels) if name.endswith(".bmp") else images.write(path, pixels)
    result = ingest(path, tmp_path / "out")
    out = pyramid_pixels(result.pyramid)
    assert out.ndim == 2
    expected = np.clip(np.rint(pixels.astype(np.float64) @ np.array(BT601[0])), 0, 255)
    tolerance = 6 if name.endswith(".jpg") else 1  # JPEG sources are lossy themselves
    assert np.abs(out.astype(int) - expected.astype(int)).mean() <= tolerance
    assert any("RGB converted to grey" in c for c in result.source_info["conversions"])


@pytest.mark.parametrize("name", ["src.png", "src.tif"])
def test_rgba_and_grey_alpha_drop_the_alpha(tmp_path: Path, name: str) -> None:
    grey = images.gray8()
    alpha = np.full_like(grey, 200)
    result = ingest(images.write(tmp_path / name, np.dstack([grey, alpha])), tmp_path / "out")
    assert np.array_equal(pyramid_pixels(result.pyramid), grey)
    assert "alpha band dropped" in result.source_info["conversions"]


@pytest.mark.parametrize("name", ["src.png", "src.tif"])
def test_16bit_grey_is_scaled_so_the_brightest_sample_is_255(tmp_path: Path, name: str) -> None:
    twelve_bit = images.gray8().astype(np.uint16) * 16  # 12-bit data in a 16-bit container
    result = ingest(images.write(tmp_path / name, twelve_bit), tmp_path / "out")
    out = pyramid_pixels(result.pyramid)
    expected = np.rint(twelve_bit * (255.0 / twelve_bit.max()))
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1
    assert result.source_info["bits_per_sample"] == 16
    assert any(c.startswith("16-bit scaled") for c in result.source_info["conversions"])


def test_16bit_rgb_is_grey_and_8bit(tmp_path: Path) -> None:
    pixels = images.rgb8().astype(np.uint16) * 257
    result = ingest(images.write(tmp_path / "src.png", pixels), tmp_path / "out")
    out = pyvips.Image.new_from_file(str(result.pyramid))
    assert (out.bands, out.format) == (1, "uchar")
    assert len(result.source_info["conversions"]) == 2


def test_jpeg_grey_is_accepted(tmp_path: Path) -> None:
    pixels = images.gray8()
    result = ingest(images.write(tmp_path / "src.jpg", pixels, Q=95), tmp_path / "out")
    assert np.abs(pyramid_pixels(result.pyramid).astype(int) - pixels).mean() < 3


def test_content_decides_the_format_not_the_extension(tmp_path: Path) -> None:
    png_named_tif = tmp_path / "mosaic.tif"
    images.write(tmp_path / "real.png", images.gray8()).rename(png_named_tif)
    result = ingest(png_named_tif, tmp_path / "out")
    assert result.source_info["format"] == "png"
    assert "extension_mismatch" in result.source_info


def test_pyramid_is_tiled_pyramidal_bigtiff_of_one_byte_band(tmp_path: Path) -> None:
    result = ingest(images.write(tmp_path / "src.png", images.gray8(1500, 1100)), tmp_path / "out")
    head = result.pyramid.read_bytes()[:4]
    assert head in (b"II+\x00", b"MM\x00+"), "BigTIFF"
    first = pyvips.Image.new_from_file(str(result.pyramid))
    assert first.get("n-pages") >= 3
    assert (first.get("tile-width"), first.bands, first.format) == (256, 1, "uchar")
    assert [pyvips.Image.new_from_file(str(result.pyramid), page=p).width for p in range(3)] == [1500, 750, 375]
    assert result.thumbnail.read_bytes()[:4] == b"\x89PNG"


def test_pixel_size_comes_from_tiff_resolution_tags(tmp_path: Path) -> None:
    # 2000 px/mm = 0.5 µm/px is written as xres in px/mm by libvips
    path = images.write(tmp_path / "src.tif", images.gray8(), xres=4000.0, yres=4000.0, resunit="cm")
    result = ingest(path, tmp_path / "out")
    assert result.um_per_px == pytest.approx(0.25)
    assert result.source_info["um_per_px_source"].startswith("file metadata")


def test_pixel_size_falls_back_to_the_default_for_72_dpi_files(tmp_path: Path) -> None:
    path = images.write(tmp_path / "src.tif", images.gray8(), xres=72 / 25.4, yres=72 / 25.4, resunit="inch")
    result = ingest_source(path, tmp_path / "out", max_pixels=LIMIT, default_um_per_px=0.7)
    assert result.um_per_px == 0.7


def test_source_metadata_never_reaches_the_pyramid(tmp_path: Path) -> None:
    from PIL import Image, TiffImagePlugin

    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[270] = "Patient: Maria Rossi, born 1950-02-03"
    tags[315] = "Dr Giuseppe Verdi"
    path = tmp_path / "src.tif"
    Image.fromarray(images.gray8()).save(path, tiffinfo=tags)
    result = ingest(path, tmp_path / "out")
    for written in (result.pyramid, result.thumbnail):
        data = written.read_bytes()
        assert b"Rossi" not in data and b"Verdi" not in data
    assert "image-description" not in pyvips.Image.new_from_file(str(result.pyramid)).get_fields()


def test_same_bytes_give_the_same_checksum(tmp_path: Path) -> None:
    path = images.write(tmp_path / "src.png", images.gray8())
    first = ingest(path, tmp_path / "a").checksum
    import hashlib

    assert first == hashlib.sha256(path.read_bytes()).hexdigest()


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: empty_file(p / "empty.tif"), "empty"),
        (lambda p: images.png_bomb(p / "bomb.png"), "refused before decoding"),
        (lambda p: images.tiff_bomb(p / "bomb.tif"), "refused before decoding"),
        (lambda p: images.five_channel_tiff(p / "five.tif"), "5 channels"),
    ],
    ids=["zero-bytes", "png-bomb", "tiff-bomb", "five-channels"],
)
def test_hostile_files_are_refused_with_a_reason(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(IngestError, match=reason):
        ingest(path, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_text_named_tif_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.tif"
    path.write_text("patient list\nnot an image\n")
    with pytest.raises(IngestError, match="not an image"):
        ingest(path, tmp_path / "out")


@pytest.mark.parametrize("name", ["src.png", "src.jpg", "src.tif"])
def test_truncated_files_fail_with_a_reason_and_leave_no_file(tmp_path: Path, name: str) -> None:
    full = images.write(tmp_path / name, images.gray8(1200, 900, seed=3))
    data = full.read_bytes()
    full.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match="truncated|corrupt|cannot be read"):
        ingest(full, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
