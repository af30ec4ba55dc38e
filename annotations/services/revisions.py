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

A region is kept as ``region_json`` renders it (``REVISION_KEYS``). The delta
insert is one PostgreSQL statement on the autosave path, with an ORM twin for
SQLite; ``tests/annotations/reading/test_portable_twins.py`` compares the two.
"""

import json
from typing import Any

from django.db import connection, transaction

from annotations.db import column, has_postgresql_fast_paths
from annotations.enqueue import enqueue_on_commit
from annotations.models import Read, ReadRevision, Region
from annotations.selectors.region_json import REVISION_KEYS, in_region_order, region_body
from users.models import User

FULL_EVERY = 50
FIELD_NAMES = ("status", "diagnosis", "confidence", "note", "no_suspicious_area")


def read_fields(read: Read) -> dict[str, Any]:
    return {name: getattr(read, name) for name in FIELD_NAMES}


def region_state(region: Region) -> dict[str, Any]:
    """A region as kept in a revision (enough to restore it without recomputing geometry)."""
    return region_body(region, keys=REVISION_KEYS)


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
    delta = {
        "kind": "delta",
        "fields": read_fields(read),
        "upserted": [region_state(region) for region in upserted or []],
        "deleted": list(deleted or []),
    }
    insert_delta = _insert_delta if has_postgresql_fast_paths() else _insert_delta_portable
    if not insert_delta(read=read, number=number, action=action, by=by, snapshot=delta):
        # A read without any revision yet (its assignment) starts with its whole state.
        ReadRevision.objects.create(
            read=read, number=number, action=action, snapshot=_full_snapshot(read), created_by_id=_user_id(by)
        )
        return
    if number % FULL_EVERY == 0:
        enqueue_on_commit("annotations.checkpoint_revision", read.pk, number)


def _full(fields: dict[str, Any], regions: list[dict[str, Any]]) -> dict[str, Any]:
    """A full snapshot: the fields and every region, in id order."""
    regions = sorted(regions, key=lambda region: region["id"])
    return {"kind": "full", "fields": fields, "region_count": len(regions), "regions": regions}


def _full_snapshot(read: Read) -> dict[str, Any]:
    return _full(read_fields(read), [region_state(region) for region in Region.objects.filter(read=read)])


def _insert_delta(*, read: Read, number: int, action: str, by: User | None, snapshot: dict[str, Any]) -> bool:
    """Insert the delta with the read's region count, unless the read has no revision yet.

    One round trip on every autosave: the count is filled in by PostgreSQL, and
    nothing is inserted (False) for a read without revisions. Twin of
    ``_insert_delta_portable`` (``test_portable_twins`` compares their rows).
    """
    names = ("read", "number", "action", "snapshot", "created_by", "created_at")
    columns = ", ".join(column(ReadRevision, name) for name in names)
    revisions, regions = ReadRevision._meta.db_table, Region._meta.db_table
    sql = f"""
        INSERT INTO {revisions} ({columns})
        SELECT %s, %s, %s,
               jsonb_set(%s::jsonb, '{{region_count}}',
                         to_jsonb((SELECT count(*) FROM {regions} WHERE {column(Region, "read")} = %s))),
               %s, now()
        WHERE EXISTS (SELECT 1 FROM {revisions} WHERE {column(ReadRevision, "read")} = %s)
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [read.pk, number, action, json.dumps(snapshot), read.pk, _user_id(by), read.pk])
        return bool(cursor.rowcount)


def _insert_delta_portable(
    *, read: Read, number: int, action: str, by: User | None, snapshot: dict[str, Any]
) -> bool:
    """The ORM twin of ``_insert_delta`` (``make run`` on SQLite)."""
    if not ReadRevision.objects.filter(read=read).exists():
        return False
    snapshot = {**snapshot, "region_count": Region.objects.filter(read=read).count()}
    ReadRevision.objects.create(read=read, number=number, action=action, snapshot=snapshot, created_by_id=_user_id(by))
    return True


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
    return {"fields": fields, "regions": in_region_order(list(regions.values()))}


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
    revision.snapshot = _full(state["fields"], state["regions"])
    revision.save(update_fields=["snapshot"])
    return True
