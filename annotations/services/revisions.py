"""Revisions of a read: every saved state is kept, compactly, and can be rebuilt.

A read of 5,000 regions of 200 vertices is ~20 MB of GeoJSON; writing all of it on
every autosave would make each save cost that much. So a revision stores either

- ``{"kind": "delta", "fields", "region_count", "upserted": [...], "deleted": [ids]}``
  — the case-level fields (small, always whole) and only the regions that changed:
  what every write stores, so an autosave costs the size of its change; or
- ``{"kind": "full", "fields", "region_count", "regions": [...]}`` — the whole
  state: a read's first revision (empty at assignment), and a checkpoint every
  ``FULL_EVERY`` numbers. Checkpoints are written after the fact by a Celery task
  (``revision_checkpoint``), which rebuilds revision *n* from the history alone
  and rewrites it as full: measured on a 5,000-region read, a full snapshot
  written inline turned one autosave in 50 into a multi-second save.

The state at revision *n* is the nearest full revision at or below *n* with the
deltas after it applied in order: about ``FULL_EVERY`` rows when the checkpoints
are written, more (still correct) when no worker ran. Revision numbers equal the
read's ``version`` after the write, so a client's ``read_version`` names a revision.
"""

import json
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from annotations.db import has_postgresql_fast_paths
from annotations.models import Read, ReadRevision, Region

FULL_EVERY = 50
FIELD_NAMES = ("status", "diagnosis", "confidence", "note", "no_suspicious_area")


def read_fields(read: Read) -> dict[str, Any]:
    return {name: getattr(read, name) for name in FIELD_NAMES}


def region_state(region: Region) -> dict[str, Any]:
    """A region as kept in a revision (enough to restore it without recomputing geometry)."""
    return {
        "id": region.pk,
        "label": region.label,
        "geometry": region.geometry,
        "provenance": region.provenance,
        "version": region.version,
        "bbox": [region.min_x, region.min_y, region.max_x, region.max_y],
        "area_px": region.area_px,
        "vertex_count": region.vertex_count,
    }


def _user_id(by: User | None) -> int | None:
    return by.pk if by is not None and by.pk else None


def revision_write(
    *,
    read: Read,
    action: str,
    by: User | None,
    upserted: list[Region] | None = None,
    deleted: list[int] | None = None,
) -> None:
    """Record the read's current state as revision ``read.version`` (call after saving the write)."""
    number = read.version
    snapshot = {
        "kind": "delta",
        "fields": read_fields(read),
        "upserted": [region_state(region) for region in upserted or []],
        "deleted": list(deleted or []),
    }
    if not has_postgresql_fast_paths():
        _write_portable(read=read, number=number, action=action, by=by, snapshot=snapshot)
        return
    # One round trip on every autosave: the region count is filled in by the database,
    # and a read without any revision yet (nothing is inserted) gets a full one instead.
    sql = f"""
        INSERT INTO {ReadRevision._meta.db_table} (read_id, number, action, snapshot, created_by_id, created_at)
        SELECT %s, %s, %s,
               jsonb_set(%s::jsonb, '{{region_count}}',
                         to_jsonb((SELECT count(*) FROM {Region._meta.db_table} WHERE read_id = %s))),
               %s, now()
        WHERE EXISTS (SELECT 1 FROM {ReadRevision._meta.db_table} WHERE read_id = %s)
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [read.pk, number, action, json.dumps(snapshot), read.pk, _user_id(by), read.pk])
        inserted = cursor.rowcount
    if not inserted:
        _write_full(read=read, number=number, action=action, by=by)
        return
    if number % FULL_EVERY == 0:
        from annotations.tasks.reading import checkpoint_revision  # the task module imports this one

        checkpoint_revision.delay_on_commit(read.pk, number)


def _full_snapshot(read: Read) -> dict[str, Any]:
    regions = [region_state(region) for region in Region.objects.filter(read=read).order_by("id")]
    return {"kind": "full", "fields": read_fields(read), "region_count": len(regions), "regions": regions}


def _write_portable(*, read: Read, number: int, action: str, by: User | None, snapshot: dict[str, Any]) -> None:
    """The ORM twin of the PostgreSQL writers below (``make run`` on SQLite)."""
    if ReadRevision.objects.filter(read=read).exists():
        snapshot = {**snapshot, "region_count": Region.objects.filter(read=read).count()}
        if number % FULL_EVERY == 0:
            snapshot = _full_snapshot(read)
    else:
        snapshot = _full_snapshot(read)
    ReadRevision.objects.create(read=read, number=number, action=action, snapshot=snapshot, created_by_id=_user_id(by))


def _write_full(*, read: Read, number: int, action: str, by: User | None) -> None:
    region_table = Region._meta.db_table
    revision_table = ReadRevision._meta.db_table
    sql = f"""
        INSERT INTO {revision_table} (read_id, number, action, snapshot, created_by_id, created_at)
        SELECT %s, %s, %s, jsonb_build_object(
            'kind', 'full',
            'fields', %s::jsonb,
            'region_count', count(r.id),
            'regions', coalesce(jsonb_agg(jsonb_build_object(
                'id', r.id, 'label', r.label, 'geometry', r.geometry, 'provenance', r.provenance,
                'version', r.version, 'bbox', jsonb_build_array(r.min_x, r.min_y, r.max_x, r.max_y),
                'area_px', r.area_px, 'vertex_count', r.vertex_count
            ) ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '[]'::jsonb)
        ), %s, now()
        FROM {region_table} r WHERE r.read_id = %s
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [read.pk, number, action, json.dumps(read_fields(read)), _user_id(by), read.pk])


def revision_state(*, read: Read, number: int) -> dict[str, Any] | None:
    """``{"fields", "regions"}`` as they were at revision ``number``; None if there is no such revision."""
    if not ReadRevision.objects.filter(read=read, number=number).exists():
        return None
    chain: list[dict[str, Any]] = []
    for snapshot in (
        ReadRevision.objects.filter(read=read, number__lte=number).order_by("-number").values_list("snapshot", flat=True)
    ).iterator(chunk_size=10):
        chain.append(snapshot)
        if snapshot.get("kind") == "full":
            break
    regions: dict[int, dict[str, Any]] = {}
    fields: dict[str, Any] = {}
    for snapshot in reversed(chain):
        fields = snapshot["fields"]
        if snapshot.get("kind") == "full":
            regions = {region["id"]: region for region in snapshot["regions"]}
            continue
        for region_id in snapshot["deleted"]:
            regions.pop(region_id, None)
        for region in snapshot["upserted"]:
            regions[region["id"]] = region
    ordered = sorted(regions.values(), key=lambda region: (-region["area_px"], region["id"]))
    return {"fields": fields, "regions": ordered}


@transaction.atomic
def revision_checkpoint(*, read_id: int, number: int) -> bool:
    """Rewrite revision ``number`` of read ``read_id`` as a full snapshot; False if already full or gone.

    Built from the history alone (not from the read's current regions), so it is
    correct whenever it runs, and running it twice changes nothing.
    """
    revision = ReadRevision.objects.select_for_update().filter(read_id=read_id, number=number).first()
    if revision is None or revision.snapshot.get("kind") == "full":
        return False
    state = revision_state(read=revision.read, number=number)
    assert state is not None
    revision.snapshot = {
        "kind": "full",
        "fields": state["fields"],
        "region_count": len(state["regions"]),
        "regions": sorted(state["regions"], key=lambda region: region["id"]),
    }
    revision.save(update_fields=["snapshot"])
    return True
