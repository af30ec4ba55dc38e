"""DZI geometry and tile pixels: the platform's tiles against ``vips dzsave`` of the same image."""

import io
from pathlib import Path

import numpy as np
import pytest
import pyvips
from django.test import override_settings
from PIL import Image

from annotations.tiles.dzi import DziGrid

from .conftest import TileWorld


def _decode(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("L"), dtype=np.int16)


def test_dzi_grid_numbers_levels_from_one_pixel_to_full_resolution() -> None:
    grid = DziGrid(12_000, 12_000)
    assert grid.max_level == 14  # 15 levels, as the brief counts for a 12k² mosaic
    assert grid.level_size(0) == (1, 1)
    assert grid.level_size(14) == (12_000, 12_000)
    assert grid.level_size(13) == (6000, 6000)
    assert grid.tile_count(14) == (48, 48)


def test_dzi_tile_bounds_add_one_pixel_of_overlap_where_there_is_a_neighbour() -> None:
    grid = DziGrid(1500, 1200)
    first = grid.tile_bounds(11, 0, 0)
    assert (first.left, first.top, first.right, first.bottom) == (0, 0, 255, 255)
    middle = grid.tile_bounds(11, 1, 1)
    assert (middle.left, middle.top, middle.right, middle.bottom) == (253, 253, 509, 509)
    last = grid.tile_bounds(11, 5, 4)
    assert (last.right, last.bottom) == (1500, 1200)
    with pytest.raises(IndexError):
        grid.tile_bounds(11, 6, 0)


def test_descriptor_announces_254_pixel_jpeg_tiles_with_one_pixel_overlap(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi.dzi")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    body = response.content.decode()
    assert 'TileSize="254"' in body and 'Overlap="1"' in body and 'Format="jpeg"' in body
    assert '<Size Width="1500" Height="1200"/>' in body


@pytest.fixture
def dzsave_reference(tile_world: TileWorld, tmp_path: Path) -> Path:
    image = pyvips.Image.new_from_array(tile_world.pixels)
    image.dzsave(str(tmp_path / "ref"), suffix=".png", tile_size=254, overlap=1, depth="onepixel")
    return tmp_path / "ref_files"


def test_png_tiles_match_vips_dzsave_at_every_level(tile_world: TileWorld, dzsave_reference: Path) -> None:
    client = tile_world.client("reader")
    grid = DziGrid(1500, 1200)
    worst: dict[int, float] = {}
    for level in range(grid.max_level + 1):
        cols, rows = grid.tile_count(level)
        for col in range(cols):
            for row in range(rows):
                response = client.get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/{level}/{col}_{row}.png")
                assert response.status_code == 200, (level, col, row)
                ours = _decode(response.content)
                reference = _decode((dzsave_reference / str(level) / f"{col}_{row}.png").read_bytes())
                assert ours.shape == reference.shape, (level, col, row)
                worst[level] = max(worst.get(level, 0.0), float(np.abs(ours - reference).mean()))
    assert len(list(dzsave_reference.glob("*/*.png"))) == sum(
        cols * rows for cols, rows in (grid.tile_count(level) for level in range(grid.max_level + 1))
    )
    sixteenth = grid.max_level - 4
    assert all(worst[level] < 2 for level in range(sixteenth, grid.max_level + 1)), worst
    assert all(worst[level] <= 8 for level in range(sixteenth)), worst


@pytest.mark.parametrize("group", [1, 2])
def test_full_resolution_tiles_hold_the_source_pixels_with_overlap(tile_world: TileWorld, group: int) -> None:
    client = tile_world.client("reader")
    with override_settings(RCM_TILE_RENDER_GROUP=group):
        inner = client.get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/1_2.png")
        corner = client.get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/5_4.png")
    np.testing.assert_array_equal(_decode(inner.content), tile_world.pixels[507:763, 253:509])
    np.testing.assert_array_equal(_decode(corner.content), tile_world.pixels[1015:1200, 1269:1500])


def test_jpeg_tiles_are_jpegs_of_the_tile_size(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/5_4.jpeg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    assert image.size == (1500 - 5 * 254 + 1, 1200 - 4 * 254 + 1)


@pytest.mark.parametrize(
    "path",
    ["12/0_0.jpeg", "11/6_0.jpeg", "11/0_5.png", "0/1_0.png", "99/0_0.jpeg", "11/0_0.gif", "11/0_0.webp"],
)
def test_tiles_outside_the_pyramid_answer_404(tile_world: TileWorld, path: str) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/{path}")
    assert response.status_code == 404
