"""Fixtures of the tile tests: one project with a real pyramid and every kind of user."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from annotations.ingest.prerender import DZI_DIR_NAME, write_dzi_tiles
from annotations.models import Mosaic, Role
from annotations.storage import media_path, mosaic_dir
from annotations.tiles.deferred import wait_until_done
from annotations.tiles.grants import forget_grants
from annotations.tiles.source import forget_open_sources
from tests.factories import CaseFactory, ProjectFactory, ReadFactory, UserFactory, member
from tests.mosaic_builders import ready_mosaic, textured_gray


@dataclass
class TileWorld:
    mosaic: Mosaic
    pixels: Any
    users: dict[str, Any]

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client


@pytest.fixture(autouse=True)
def _fresh_tile_caches(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.RCM_TILE_GRANT_DIR = str(tmp_path / "tilegrants")
    forget_grants()
    forget_open_sources()
    yield
    wait_until_done()
    forget_grants()
    forget_open_sources()


def prerender(mosaic: Mosaic) -> Path:
    """Pre-render the mosaic's tiles as ingest does; returns the level folders' parent."""
    write_dzi_tiles(media_path(mosaic.pyramid_path), mosaic_dir(mosaic.pk) / DZI_DIR_NAME,
                    quality=django_settings.RCM_TILE_JPEG_QUALITY)  # fmt: skip
    forget_open_sources()
    return mosaic_dir(mosaic.pk) / DZI_DIR_NAME / "tiles_files"


def build_tile_world(reader_username: str | None = None) -> TileWorld:
    """The world of these tests; plain function so transactional (browser) tests can call it."""
    project, other_project = ProjectFactory(), ProjectFactory()
    pixels = textured_gray(1500, 1200, seed=3)
    mosaic = ready_mosaic(pixels, case=CaseFactory(project=project))
    users = {
        "lead": member(project, Role.LEAD),
        "reader": member(project, Role.READER, **({"username": reader_username} if reader_username else {})),
        "unassigned_reader": member(project, Role.READER),
        "outsider": member(other_project, Role.LEAD),
        "nobody": UserFactory(),
    }
    ReadFactory(mosaic=mosaic, reader=users["reader"])
    return TileWorld(mosaic=mosaic, pixels=pixels, users=users)


@pytest.fixture
def tile_world(db: None) -> TileWorld:
    return build_tile_world()
