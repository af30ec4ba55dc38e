"""The documented backup (scripts/backup.sh) restores (scripts/restore.sh) into an empty database with every read and region.

Backs up this run's test database and media root, restores into a database the
test creates (and drops) and a fresh folder, and compares rows and files.
"""

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from annotations.models import Mosaic, Read, Region, Role
from annotations.services.assignment import read_assign
from annotations.services.mosaics import mosaic_create_from_path, mosaic_ingest
from annotations.services.reads import read_update_fields
from annotations.services.regions import region_add
from annotations.storage import media_path
from tests.annotations.ingest import images
from tests.annotations.reading.conftest import square
from tests.factories import CaseFactory, CenterFactory, ProjectFactory, member

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def empty_database() -> Iterator[str]:
    name = f"restore_{settings.RUN_ID}"
    admin = database_url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, argument: Path, **env: str) -> str:
    done = subprocess.run([f"scripts/{script}", str(argument)], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as db:
        return sorted(db.execute(sql).fetchall())


READS = "SELECT id, mosaic_id, reader_id, status, version, note FROM annotations_read"
REGIONS = "SELECT id, read_id, label, provenance, version, md5(geometry::text) FROM annotations_region"
MOSAICS = "SELECT id, status, pyramid_path, thumbnail_path, checksum FROM annotations_mosaic"


def test_a_backup_restores_into_an_empty_database_with_every_read_region_and_file(
    settings: Any, tmp_path: Path, empty_database: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    project = ProjectFactory(keep_originals=True)
    center = CenterFactory()
    project.centers.add(center)
    case = CaseFactory(project=project, center=center)
    lead, readers = member(project, Role.LEAD), [member(project, Role.READER) for _ in range(2)]
    for number in range(2):
        source = images.write(tmp_path / f"m{number}.png", images.gray8(600, 400, seed=number))
        mosaic = mosaic_ingest(mosaic_id=mosaic_create_from_path(case=case, source=source).pk)
        for read in read_assign(mosaic=mosaic, readers=readers, by=lead):
            for index in range(3):
                shape = square(20 + 90 * index, 30, 60)
                read = region_add(
                    read=read, by=read.reader, label="atypical_honeycomb", geometry=shape, read_version=read.version
                ).read
            read_update_fields(read=read, by=read.reader, note=f"read {read.pk} note", read_version=read.version)
    assert Region.objects.count() == 12 and Read.objects.count() == 4

    backup = Path(run("backup.sh", tmp_path / "backups", DATABASE_URL=database_url(connection.settings_dict["NAME"]),
                      RCM_MEDIA_ROOT=str(settings.MEDIA_ROOT)).strip().splitlines()[-1])  # fmt: skip
    restored_media = tmp_path / "restored-media"
    run("restore.sh", backup, DATABASE_URL=empty_database, RCM_MEDIA_ROOT=str(restored_media))

    source_url = database_url(connection.settings_dict["NAME"])
    for sql in (READS, REGIONS, MOSAICS):
        assert rows(empty_database, sql) == rows(source_url, sql)
    for mosaic in Mosaic.objects.all():
        for relative in (mosaic.pyramid_path, mosaic.thumbnail_path):
            original, copy = media_path(relative), restored_media / relative
            assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()

    # A restore never mixes with live data: a second one into the same place is refused.
    again = subprocess.run(["scripts/restore.sh", str(backup)], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "DATABASE_URL": empty_database, "RCM_MEDIA_ROOT": str(restored_media)})  # fmt: skip
    assert again.returncode != 0 and "restore only into an empty database" in again.stderr
