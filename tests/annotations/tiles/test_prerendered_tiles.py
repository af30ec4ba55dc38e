"""Tiles pre-rendered at ingest: byte for byte what the Django endpoint renders, and served from the files."""

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from annotations.ingest.pipeline import ingest_source
from annotations.ingest.prerender import DZI_DIR_NAME
from annotations.models import MosaicStatus
from annotations.services.mosaics import mosaic_ingest
from annotations.storage import media_path, mosaic_dir
from annotations.tiles.dzi import DziGrid
from tests.factories import CaseFactory, MosaicFactory
from tests.mosaic_builders import ready_mosaic, textured_gray

from .conftest import TileWorld, prerender


def _every_tile(grid: DziGrid) -> list[tuple[int, int, int]]:
    return [
        (level, col, row)
        for level in range(grid.max_level + 1)
        for col in range(grid.tile_count(level)[0])
        for row in range(grid.tile_count(level)[1])
    ]


@pytest.mark.parametrize("size", [(1500, 1200), (1001, 777), (513, 300)])
def test_prerendered_tiles_are_byte_identical_to_the_endpoints_at_every_level(
    tile_world: TileWorld, size: tuple[int, int]
) -> None:
    # Odd sizes at several levels: the last column and row are where dzsave and a pyramid TIFF differ.
    width, height = size
    mosaic = ready_mosaic(textured_gray(width, height, seed=5), case=tile_world.mosaic.case)
    client = tile_world.client("lead")
    grid = DziGrid(width, height)
    rendered = {
        tile: client.get(f"/api/mosaics/{mosaic.pk}/dzi_files/{tile[0]}/{tile[1]}_{tile[2]}.jpeg").content
        for tile in _every_tile(grid)
    }
    tiles = prerender(mosaic)
    on_disk = sorted(path.relative_to(tiles) for path in tiles.rglob("*.jpeg"))
    assert on_disk == sorted(Path(str(level)) / f"{col}_{row}.jpeg" for level, col, row in rendered)
    different = [
        tile
        for tile, body in rendered.items()
        if (tiles / str(tile[0]) / f"{tile[1]}_{tile[2]}.jpeg").read_bytes() != body
    ]
    assert different == []


def test_the_endpoint_serves_the_prerendered_file(tile_world: TileWorld) -> None:
    tiles = prerender(tile_world.mosaic)
    marked = tiles / "11" / "2_2.jpeg"
    marked.write_bytes(marked.read_bytes() + b"served from the file")
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/2_2.jpeg")
    assert response.content.endswith(b"served from the file")


def test_png_tiles_are_still_rendered_lossless(tile_world: TileWorld) -> None:
    prerender(tile_world.mosaic)
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/1_2.png")
    np.testing.assert_array_equal(
        np.asarray(Image.open(io.BytesIO(response.content))), tile_world.pixels[507:763, 253:509]
    )


def test_ingest_pre_renders_the_tiles_beside_the_pyramid(tmp_path: Path) -> None:
    source = tmp_path / "mosaic.png"
    Image.fromarray(textured_gray(700, 500, seed=2)).save(source)
    result = ingest_source(source, tmp_path / "out", max_pixels=10**8, default_um_per_px=0.5, dzi_quality=90)
    assert result.dzi == tmp_path / "out" / DZI_DIR_NAME
    assert (result.dzi / "tiles.dzi").read_text().count('TileSize="254"') == 1
    assert len(list((result.dzi / "tiles_files").rglob("*.jpeg"))) == sum(
        cols * rows
        for cols, rows in (DziGrid(700, 500).tile_count(level) for level in range(DziGrid(700, 500).max_level + 1))
    )
    assert result.source_info["dzi_tiles"] == {"format": "jpeg", "quality": 90}
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("prerender_setting", [True, False])
def test_the_ingest_service_pre_renders_by_setting(
    settings: Any, tmp_path: Path, db: None, prerender_setting: bool
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RCM_TILE_PRERENDER = prerender_setting
    source = tmp_path / "mosaic.png"
    Image.fromarray(textured_gray(600, 400, seed=4)).save(source)
    mosaic = MosaicFactory(case=CaseFactory(), status=MosaicStatus.UPLOADED, original_filename="mosaic.png")
    mosaic = mosaic_ingest(mosaic_id=mosaic.pk, source=source)
    assert mosaic.status == MosaicStatus.READY, mosaic.failure_reason
    tiles = Path(settings.MEDIA_ROOT) / "mosaics" / str(mosaic.pk) / DZI_DIR_NAME / "tiles_files"
    assert tiles.is_dir() == prerender_setting


def test_prerender_command_fills_in_mosaics_without_tiles_and_fails_on_broken_ones(tile_world: TileWorld) -> None:
    broken = ready_mosaic(textured_gray(300, 200), case=tile_world.mosaic.case)
    media_path(broken.pyramid_path).write_bytes(b"not a tiff any more")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("prerender_tiles", stdout=out, stderr=err)
    assert (mosaic_dir(tile_world.mosaic.pk) / DZI_DIR_NAME / "tiles.dzi").is_file()
    assert "1 failed" in out.getvalue() and f"mosaic {broken.pk}" in err.getvalue()
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/dzi_files/11/1_1.jpeg")
    assert response.content == (mosaic_dir(tile_world.mosaic.pk) / DZI_DIR_NAME / "tiles_files/11/1_1.jpeg").read_bytes()
