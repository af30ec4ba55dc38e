"""Region CRUD through the API: draw, merge, erase, edit, delete, the viewport filter and the locks."""

from annotations.models import Provenance, Read, ReadStatus, Region

from .conftest import Reading, add_region, square


def test_reader_draws_a_region_and_the_read_starts(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    response = add_region(client, reading.read_a, square(100, 100, 200), read_version=1)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["read_version"] == 2
    [region] = body["created"]
    assert region["bbox"] == [100, 100, 300, 300]
    assert region["area_px"] == 40000
    assert region["area_mm2"] == 40000 * 0.0005**2
    assert region["provenance"] == "manual" and region["version"] == 1
    reading.refresh()
    assert reading.read_a.status == ReadStatus.IN_PROGRESS and reading.read_a.started_at is not None


def test_stroke_touching_same_label_regions_merges_them_into_the_largest(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    big = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    small = add_region(client, reading.read_a, square(300, 0, 50)).json()["created"][0]
    other_label = add_region(client, reading.read_a, square(150, 0, 20), label="clefting").json()["created"][0]
    bridge = {"type": "Polygon", "coordinates": [[[90, 10], [310, 10], [310, 20], [90, 20], [90, 10]]]}
    body = add_region(client, reading.read_a, bridge).json()
    assert [region["id"] for region in body["updated"]] == [big["id"]]
    assert body["deleted"] == [small["id"]]
    merged = Region.objects.get(pk=big["id"])
    assert merged.geometry["type"] == "Polygon"
    assert merged.area_px == 100 * 100 + 50 * 50 + 220 * 10 - 10 * 10 - 10 * 10
    assert merged.version == 2
    assert Region.objects.filter(pk=other_label["id"]).exists()


def test_merge_false_keeps_overlapping_shapes_apart(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100))
    add_region(client, reading.read_a, square(50, 50, 100), merge=False)
    assert Region.objects.filter(read=reading.read_a).count() == 2


def test_eraser_cutting_a_region_in_two_keeps_one_multipolygon_region(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 300)).json()["created"][0]
    eraser = {"type": "Polygon", "coordinates": [[[100, -10], [200, -10], [200, 310], [100, 310], [100, -10]]]}
    body = client.post(f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": eraser}, format="json").json()
    [updated] = body["updated"]
    assert updated["id"] == region["id"]
    assert updated["geometry"]["type"] == "MultiPolygon"
    assert updated["area_px"] == 2 * 100 * 300
    assert body["deleted"] == []


def test_eraser_covering_a_region_deletes_it_and_spares_other_labels_when_asked(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    gone = add_region(client, reading.read_a, square(10, 10, 50)).json()["created"][0]
    kept = add_region(client, reading.read_a, square(10, 10, 50), label="clefting").json()["created"][0]
    body = client.post(
        f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": square(0, 0, 100), "label": "atypical_honeycomb"},
        format="json",
    ).json()  # fmt: skip
    assert body["deleted"] == [gone["id"]]
    assert Region.objects.filter(pk=kept["id"]).exists()


def test_erasing_an_ai_suggestion_marks_it_edited(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100), provenance="ai_accepted")
    client.post(f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": square(0, 0, 50)}, format="json")
    assert Region.objects.get(read=reading.read_a).provenance == Provenance.AI_EDITED


def test_bbox_filter_returns_only_regions_whose_box_meets_the_viewport(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100))
    add_region(client, reading.read_a, square(1000, 1000, 300))
    response = client.get(f"/api/reads/{reading.read_a.pk}/regions/?bbox=900,900,1100,1100")
    assert response.status_code == 200
    body = response.json()
    assert [region["bbox"] for region in body["results"]] == [[1000, 1000, 1300, 1300]]
    assert body["read_version"] == 3
    everything = client.get(f"/api/reads/{reading.read_a.pk}/regions/").json()["results"]
    assert [region["area_px"] for region in everything] == [90000, 10000]  # largest first


def test_simplify_thins_outlines_for_zoomed_out_viewports(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    import math

    ring = [[500 + 300 * math.cos(i / 100 * 2 * math.pi), 500 + 300 * math.sin(i / 100 * 2 * math.pi)] for i in range(100)]
    add_region(client, reading.read_a, {"type": "Polygon", "coordinates": [ring]})
    full = client.get(f"/api/reads/{reading.read_a.pk}/regions/").json()["results"][0]["geometry"]
    thin = client.get(f"/api/reads/{reading.read_a.pk}/regions/?simplify=20").json()["results"][0]["geometry"]
    assert len(thin["coordinates"][0]) < len(full["coordinates"][0]) == 101


def test_bad_bbox_is_a_400_naming_it(reading: Reading) -> None:
    response = reading.client(reading.reader_a).get(f"/api/reads/{reading.read_a.pk}/regions/?bbox=1,2,x,4")
    assert response.status_code == 400 and "bbox" in response.json()


def test_patch_region_with_current_version_edits_it(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 100), provenance="ai_accepted").json()["created"][0]
    response = client.patch(
        f"/api/regions/{region['id']}/", {"version": 1, "geometry": square(0, 0, 120), "label": "clefting"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["label"], body["area_px"]) == (2, "clefting", 14400)
    assert body["provenance"] == "ai_edited"


def test_patch_with_stale_region_version_is_a_409(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    assert client.patch(f"/api/regions/{region['id']}/", {"version": 1, "label": "clefting"}, format="json").status_code == 200
    stale = client.patch(f"/api/regions/{region['id']}/", {"version": 1, "label": "dark_shadows"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert Region.objects.get(pk=region["id"]).label == "clefting"


def test_write_with_stale_read_version_is_a_409_with_the_current_version(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    add_region(client, reading.read_a, square(0, 0, 100), read_version=1)
    stale = add_region(client, reading.read_a, square(500, 500, 100), read_version=1)
    assert stale.status_code == 409
    assert stale.json()["read_version"] == 2
    assert Region.objects.filter(read=reading.read_a).count() == 1


def test_delete_region_needs_its_version(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    assert client.delete(f"/api/regions/{region['id']}/").status_code == 400
    assert client.delete(f"/api/regions/{region['id']}/?version=7").status_code == 409
    response = client.delete(f"/api/regions/{region['id']}/?version=1&read_version=2")
    assert response.status_code == 204
    assert response["X-Read-Version"] == "3"
    assert not Region.objects.filter(pk=region["id"]).exists()


def test_writes_to_a_submitted_read_are_409_and_change_nothing(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    client.patch(f"/api/reads/{reading.read_a.pk}/", {"diagnosis": "actinic_keratosis"}, format="json")
    assert client.post(f"/api/reads/{reading.read_a.pk}/submit/", {}, format="json").status_code == 200
    version = Read.objects.get(pk=reading.read_a.pk).version
    attempts = [
        add_region(client, reading.read_a, square(500, 500, 10)),
        client.patch(f"/api/regions/{region['id']}/", {"version": 1, "label": "clefting"}, format="json"),
        client.delete(f"/api/regions/{region['id']}/?version=1"),
        client.patch(f"/api/reads/{reading.read_a.pk}/", {"note": "late"}, format="json"),
        client.post(f"/api/reads/{reading.read_a.pk}/erase/", {"geometry": square(0, 0, 50)}, format="json"),
    ]
    for response in attempts:
        assert response.status_code == 409, response.content
        assert response.json()["detail"] == "read is submitted and locked"
    assert Read.objects.get(pk=reading.read_a.pk).version == version
    assert Region.objects.get(pk=region["id"]).version == 1


def test_writes_to_someone_elses_read_are_refused(reading: Reading) -> None:
    mine = add_region(reading.client(reading.reader_a), reading.read_a, square(0, 0, 100)).json()["created"][0]
    # The other reader cannot even see it (blind): 404.
    intruder = reading.client(reading.reader_b)
    assert add_region(intruder, reading.read_a, square(0, 0, 10)).status_code == 404
    assert intruder.patch(f"/api/regions/{mine['id']}/", {"version": 1, "label": "clefting"}, format="json").status_code == 404
    # The lead sees it but does not draw in a reader's read: 403.
    lead = reading.client(reading.lead)
    assert add_region(lead, reading.read_a, square(0, 0, 10)).status_code == 403
    assert lead.delete(f"/api/regions/{mine['id']}/?version=1").status_code == 403
    assert lead.patch(f"/api/reads/{reading.read_a.pk}/", {"note": "x"}, format="json").status_code == 403
    assert Region.objects.filter(read=reading.read_a).count() == 1


def test_case_level_fields_are_saved_and_checked(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    url = f"/api/reads/{reading.read_a.pk}/"
    response = client.patch(url, {"diagnosis": "basal_cell_carcinoma", "confidence": 4, "note": "n", "read_version": 1},
                            format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["confidence"] == 4
    assert client.patch(url, {"confidence": 9}, format="json").json().keys() == {"confidence"}
    assert client.patch(url, {"diagnosis": "flu"}, format="json").json().keys() == {"diagnosis"}
    assert client.patch(url, {"reader": "x"}, format="json").json().keys() == {"reader"}
    assert Read.objects.get(pk=reading.read_a.pk).version == 2


def test_simplified_overview_follows_an_edit_of_the_region(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    region = add_region(client, reading.read_a, square(0, 0, 100)).json()["created"][0]
    url = f"/api/reads/{reading.read_a.pk}/regions/?simplify=4"
    assert client.get(url).json()["results"][0]["geometry"]["coordinates"][0][2] == [100.0, 100.0]
    client.patch(f"/api/regions/{region['id']}/", {"version": 1, "geometry": square(0, 0, 300)}, format="json")
    assert client.get(url).json()["results"][0]["geometry"]["coordinates"][0][2] == [300.0, 300.0]
