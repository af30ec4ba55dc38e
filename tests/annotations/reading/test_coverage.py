"""Reading coverage: cells viewed at diagnostic zoom, merged without touching the read's version."""

import base64

import numpy as np

from annotations.geometry.coverage import GRID_SIZE, decode_cells, encode_cells
from annotations.models import ReadRevision

from .conftest import Reading, add_region, square

LEFT_HALF = [0, 0, 1000, 1500]  # the mosaic is 2000 x 1500: cells 0-31 of every row have their centre inside


def test_coverage_is_merged_and_never_bumps_the_version_or_stales_an_autosave(reading: Reading) -> None:
    client = reading.client(reading.reader_a)
    url = f"/api/reads/{reading.read_a.pk}/coverage/"
    version = reading.read_a.version
    revisions = ReadRevision.objects.filter(read=reading.read_a).count()

    first = client.post(url, {"viewports": [LEFT_HALF]}, format="json").json()
    assert first["viewed_fraction"] == 0.5 and first["grid_size"] == GRID_SIZE and first["diagnostic_zoom"] == 0.5
    assert decode_cells(first["cells"])[:, :32].all() and not decode_cells(first["cells"])[:, 32:].any()
    top_right = np.zeros((GRID_SIZE, GRID_SIZE), bool)
    top_right[:16, 32:] = True
    merged = client.post(url, {"cells": encode_cells(top_right)}, format="json").json()
    assert merged["viewed_fraction"] == 0.5 + 0.125  # OR: nothing seen is ever cleared

    reading.refresh()
    assert reading.read_a.version == version
    assert ReadRevision.objects.filter(read=reading.read_a).count() == revisions
    stale_tab = add_region(client, reading.read_a, square(10, 10, 50), read_version=version)
    assert stale_tab.status_code == 201  # the autosave still holds the current version
    assert client.get(f"/api/reads/{reading.read_a.pk}/").json()["viewed_fraction"] == 0.625


def test_only_the_reader_records_coverage_and_only_until_submit(reading: Reading) -> None:
    url = f"/api/reads/{reading.read_a.pk}/coverage/"
    body = {"viewports": [LEFT_HALF]}
    peer = reading.client(reading.reader_b).post(url, body, format="json")
    assert peer.status_code == 404 and b"reader_a" not in peer.content  # blind: the read does not exist for b
    assert reading.client(reading.lead).post(url, body, format="json").status_code == 403
    client = reading.client(reading.reader_a)
    bad = client.post(url, {"cells": base64.b64encode(b"short").decode()}, format="json")
    assert bad.status_code == 400 and "512 bytes" in bad.json()["cells"][0]
    assert client.post(url, {"viewports": [[5, 5, 1, 1]]}, format="json").status_code == 400
    client.patch(f"/api/reads/{reading.read_a.pk}/", {"diagnosis": "actinic_keratosis", "no_suspicious_area": True},
                 format="json")  # fmt: skip
    assert client.post(f"/api/reads/{reading.read_a.pk}/submit/", {}, format="json").status_code == 200
    assert client.post(url, body, format="json").status_code == 409


def test_submitting_below_the_projects_viewed_fraction_asks_for_confirmation(reading: Reading) -> None:
    reading.project.min_viewed_fraction = 0.8
    reading.project.save()
    client = reading.client(reading.reader_a)
    read_url = f"/api/reads/{reading.read_a.pk}"
    client.post(f"{read_url}/coverage/", {"viewports": [LEFT_HALF]}, format="json")
    client.patch(f"{read_url}/", {"diagnosis": "actinic_keratosis", "no_suspicious_area": True}, format="json")

    refused = client.post(f"{read_url}/submit/", {}, format="json")
    assert refused.status_code == 400
    [message] = refused.json()["confirm_low_coverage"]
    assert "you viewed 50% of the mosaic" in message and "asks for 80%" in message
    reading.refresh()
    assert reading.read_a.status == "in_progress"
    confirmed = client.post(f"{read_url}/submit/", {"confirm_low_coverage": True}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "submitted"
