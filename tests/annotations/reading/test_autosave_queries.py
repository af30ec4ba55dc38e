"""The autosave path's SQL: how many statements a region PATCH and a region POST cost.

The autosave budget (< 50 ms median) is mostly database round trips on this
platform, so a change that adds a query to these paths (an N+1, a second access
check, a lazy relation) must be a conscious one: these tests pin the counts. They
also check that the write still does what it must (version, revision, response).

Statements counted (inside pytest's test transaction, so the request's atomic
block is a SAVEPOINT / RELEASE pair rather than BEGIN / COMMIT): session, user,
read + region + access (one query), savepoint, read row lock, region re-read
(PATCH) or same-label neighbours (POST), region UPDATE/INSERT, read UPDATE,
revision INSERT, audit event INSERT (its project looked up inside it), release.
"""

from typing import Any

from annotations.models import ReadRevision, Region

from .conftest import Reading, add_region, square

# Each includes one membership lookup (the role-level check of the permission matrix,
# annotations.access_matrix.MatrixPermission, made before the read is fetched) and the
# audit trail's insert (audit.services.audit_record, from read_commit_write).
PATCH_QUERIES = 12
POST_QUERIES = 12


def test_region_patch_costs_a_fixed_number_of_queries(reading: Reading, django_assert_max_num_queries: Any) -> None:
    client = reading.client(reading.reader_a)
    created = add_region(client, reading.read_a, square(100, 100, 200)).json()["created"][0]
    for size in (210, 220):  # a few earlier writes: the count must not grow with history
        version = Region.objects.get(pk=created["id"]).version
        client.patch(f"/api/regions/{created['id']}/", {"version": version, "geometry": square(100, 100, size)},
                     format="json")  # fmt: skip
    version = Region.objects.get(pk=created["id"]).version
    revisions_before = ReadRevision.objects.filter(read=reading.read_a).count()
    reading.refresh()
    body = {"version": version, "geometry": square(100, 100, 250), "read_version": reading.read_a.version}

    with django_assert_max_num_queries(PATCH_QUERIES):
        response = client.patch(f"/api/regions/{created['id']}/", body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["version"] == version + 1
    assert response.json()["bbox"] == [100, 100, 350, 350]
    assert ReadRevision.objects.filter(read=reading.read_a).count() == revisions_before + 1


def test_region_post_with_merge_costs_a_fixed_number_of_queries(
    reading: Reading, django_assert_max_num_queries: Any
) -> None:
    client = reading.client(reading.reader_a)
    for index in range(5):  # neighbours of other labels and far away do not add queries
        add_region(client, reading.read_a, square(500 + 60 * index, 500, 40), label="clefting")
    add_region(client, reading.read_a, square(100, 100, 100))
    reading.refresh()
    revisions_before = ReadRevision.objects.filter(read=reading.read_a).count()

    with django_assert_max_num_queries(POST_QUERIES):
        response = add_region(client, reading.read_a, square(150, 150, 100), read_version=reading.read_a.version)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["read_version"] == reading.read_a.version + 1
    assert len(body["updated"]) == 1 and body["created"] == []  # merged into the touched region
    assert ReadRevision.objects.filter(read=reading.read_a).count() == revisions_before + 1


def test_region_get_returns_the_stored_geometry_and_peers_get_404(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    created = add_region(client, reading.read_a, square(100, 100, 200)).json()["created"][0]

    response = client.get(f"/api/regions/{created['id']}/")

    assert response.status_code == 200, response.content
    assert response.json()["geometry"] == Region.objects.get(pk=created["id"]).geometry
    assert response.json()["geometry"]["type"] == "Polygon"
    assert response.json()["area_mm2"] == created["area_mm2"]
    assert reading.client(reading.reader_b).get(f"/api/regions/{created['id']}/").status_code == 404  # blind
    assert reading.client(reading.lead).get(f"/api/regions/{created['id']}/").status_code == 200
