"""Every saved state is kept and can be restored; GeoJSON export and all-or-nothing import."""

from typing import Any

import pytest

from annotations.models import Read, ReadRevision, Region
from annotations.services import revisions

from .conftest import Reading, add_region, square


def test_history_lists_every_saved_state_newest_first_with_who(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100))
    client.patch(f"/api/reads/{reading.read_a.pk}/", {"note": "checked"}, format="json")
    history = client.get(f"/api/reads/{reading.read_a.pk}/history/").json()
    assert [(entry["number"], entry["action"], entry["region_count"]) for entry in history] == [
        (3, "fields", 1), (2, "region_add", 1), (1, "assign", 0),
    ]  # fmt: skip
    assert history[0]["created_by"] == "reader_a" and history[2]["created_by"] == "lead"


def test_restore_brings_back_regions_and_fields_as_a_new_revision(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    read_url = f"/api/reads/{reading.read_a.pk}"
    first = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    client.patch(f"{read_url}/", {"note": "before"}, format="json")  # revision 3
    client.patch(f"/api/regions/{first['id']}/", {"version": 1, "geometry": square(0, 0, 50)}, format="json")
    client.delete(f"/api/regions/{first['id']}/?version=2")
    add_region(client, reading.read_a, square(800, 800, 10))
    client.patch(f"{read_url}/", {"note": "after"}, format="json")
    snapshot = client.get(f"{read_url}/history/3/").json()["snapshot"]
    assert [region["id"] for region in snapshot["regions"]] == [first["id"]]
    assert snapshot["fields"]["note"] == "before"
    response = client.post(f"{read_url}/history/3/restore/", {"read_version": 7}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 8 and response.json()["note"] == "before"
    restored = list(Region.objects.filter(read=reading.read_a))
    assert [(region.pk, region.area_px) for region in restored] == [(first["id"], 10000)]
    assert client.get(f"{read_url}/history/").json()[0]["action"] == "restore 3"


def test_restore_of_a_missing_revision_is_a_400_and_a_stale_one_a_409(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    assert client.post(f"/api/reads/{reading.read_a.pk}/history/99/restore/", {}, format="json").status_code == 400
    add_region(client, reading.read_a, square(0, 0, 10))
    response = client.post(f"/api/reads/{reading.read_a.pk}/history/1/restore/", {"read_version": 1}, format="json")
    assert response.status_code == 409
    assert client.get(f"/api/reads/{reading.read_a.pk}/history/99/").status_code == 404


def test_state_rebuilt_across_full_and_delta_revisions_matches_the_regions(
    reading: Reading, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revisions, "FULL_EVERY", 3)
    client = reading.client(reading.reader_a)
    for i in range(7):
        add_region(client, reading.read_a, square(100 * i, 0, 50 + i), merge=False)
    region = Region.objects.filter(read=reading.read_a).order_by("id").first()
    assert region is not None
    client.delete(f"/api/regions/{region.pk}/?version=1")
    read = Read.objects.get(pk=reading.read_a.pk)

    def kinds() -> dict[int, str]:
        return dict(ReadRevision.objects.filter(read=read).values_list("number", "snapshot__kind"))

    def states() -> list[Any]:
        return [revisions.revision_state(read=read, number=n) for n in range(1, read.version + 1)]

    assert set(kinds().values()) == {"full", "delta"} and kinds()[1] == "full"
    before = states()
    assert sorted(r["id"] for r in before[-1]["regions"]) == sorted(
        Region.objects.filter(read=read).values_list("pk", flat=True)
    )
    assert len(before[3]["regions"]) == 3  # revision 4: assignment + three regions
    # Checkpoints rewrite revisions 3 and 6 as full snapshots without changing any state.
    assert revisions.revision_checkpoint(read_id=read.pk, number=6)
    assert revisions.revision_checkpoint(read_id=read.pk, number=3)
    assert not revisions.revision_checkpoint(read_id=read.pk, number=3)  # idempotent
    assert kinds()[3] == kinds()[6] == "full" and kinds()[5] == "delta"
    assert states() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_every_fiftieth_revision_is_checkpointed_by_the_worker(celery_worker_process: Any) -> None:
    import time

    from annotations.models import Role
    from annotations.services.assignment import read_assign
    from annotations.services.regions import region_add
    from tests.conftest import worker_hostname, worker_runs
    from tests.factories import CaseFactory, MosaicFactory, ProjectFactory, member

    project = ProjectFactory()
    reader = member(project, Role.READER)
    [read] = read_assign(mosaic=MosaicFactory(case=CaseFactory(project=project)), readers=[reader], by=None)
    for i in range(revisions.FULL_EVERY - 1):  # revisions 2 .. FULL_EVERY
        shape = square(20 * (i % 90), 20 * (i // 90), 10)
        read = region_add(read=read, by=reader, label="clefting", geometry=shape, read_version=read.version).read
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kind = ReadRevision.objects.get(read=read, number=revisions.FULL_EVERY).snapshot["kind"]
        if kind == "full":
            break
        time.sleep(0.5)
    snapshot = ReadRevision.objects.get(read=read, number=revisions.FULL_EVERY).snapshot
    assert snapshot["kind"] == "full"
    assert len(snapshot["regions"]) == revisions.FULL_EVERY - 1 == Region.objects.filter(read=read).count()
    # The worker process wrote it (not an in-process fallback): it recorded the run as its own.
    [run] = [run for run in worker_runs("annotations.checkpoint_revision") if run["args"] == [read.pk, revisions.FULL_EVERY]]
    assert (run["status"], run["worker"]) == ("SUCCESS", worker_hostname())


def _collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def _feature(geometry: Any, label: str = "clefting", **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"label": label, **properties}}


def test_geojson_export_then_import_round_trips(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100), label="clefting")
    add_region(client, reading.read_a, square(500, 500, 30), label="dark_shadows", provenance="ai_accepted")
    exported = client.get(f"/api/reads/{reading.read_a.pk}/geojson")
    assert exported["Content-Type"] == "application/geo+json"
    collection = exported.json()
    assert [f["properties"]["label"] for f in collection["features"]] == ["clefting", "dark_shadows"]
    # Back into the same read: the exported read_version is still current.
    assert collection["read_version"] == 3
    response = client.put(f"/api/reads/{reading.read_a.pk}/geojson", collection, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"read_version": 4, "count": 2}
    # Into another reader's read: a plain FeatureCollection without a version.
    del collection["read_version"]
    other = reading.client(reading.reader_b).put(f"/api/reads/{reading.read_b.pk}/geojson", collection, format="json")
    assert other.status_code == 200, other.content
    for read in (reading.read_a, reading.read_b):
        imported = sorted(Region.objects.filter(read=read).values_list("label", "provenance", "area_px"))
        assert imported == [("clefting", "manual", 10000.0), ("dark_shadows", "ai_accepted", 900.0)]


def test_import_is_all_or_nothing(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100))
    before = list(Region.objects.filter(read=reading.read_a).values_list("id", "version"))
    bad = _collection(_feature(square(10, 10, 10)), _feature(square(5000, 5000, 10)))
    response = client.put(f"/api/reads/{reading.read_a.pk}/geojson", bad, format="json")
    assert response.status_code == 400
    assert "entirely outside" in " ".join(response.json()["features[1].geometry"])
    bad_label = _collection(_feature(square(10, 10, 10), label="nope"))
    assert "features[0].properties.label" in client.put(
        f"/api/reads/{reading.read_a.pk}/geojson", bad_label, format="json").json()  # fmt: skip
    assert client.put(f"/api/reads/{reading.read_a.pk}/geojson", {"type": "Feature"}, format="json").status_code == 400
    assert list(Region.objects.filter(read=reading.read_a).values_list("id", "version")) == before
    assert Read.objects.get(pk=reading.read_a.pk).version == 2


def test_import_with_stale_read_version_is_a_409(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100))
    response = client.put(
        f"/api/reads/{reading.read_a.pk}/geojson", _collection(_feature(square(0, 0, 5)), read_version=1), format="json"
    )
    assert response.status_code == 409
    assert Region.objects.filter(read=reading.read_a).count() == 1
