"""Every write to a read names the version it was made from (issue 11: stale writes).

An optional ``read_version`` let a client that left it out skip the 409 check and
overwrite newer work. Each write endpoint now answers 400 naming ``read_version``
when it is missing, and changes nothing. (A plain client: it adds no version.)
"""

from typing import Any

import pytest

from annotations.models import Read, Region
from annotations.services import reads as read_services
from annotations.services import regions as region_services

from .conftest import Reading, add_region, square


@pytest.fixture
def drawn(reading: Reading) -> tuple[Reading, dict[str, Any]]:
    region = add_region(reading.client(reading.reader_a), reading.read_a, square(100, 100, 100)).json()["created"][0]
    return reading, region


def _writes(reading: Reading, region: dict[str, Any]) -> list[tuple[str, str, Any]]:
    read = reading.read_a.pk
    feature = {"type": "Feature", "properties": {"label": "clefting"}, "geometry": square(0, 0, 50)}
    return [
        ("post", f"/api/reads/{read}/regions/", {"label": "clefting", "geometry": square(500, 500, 50)}),
        ("post", f"/api/reads/{read}/erase/", {"geometry": square(100, 100, 20)}),
        ("patch", f"/api/regions/{region['id']}/", {"version": region["version"], "label": "clefting"}),
        ("delete", f"/api/regions/{region['id']}/?version={region['version']}", None),
        ("patch", f"/api/reads/{read}/", {"note": "overwrites"}),
        ("post", f"/api/reads/{read}/submit/", {"confirm_low_coverage": True}),
        ("post", f"/api/reads/{read}/history/1/restore/", {}),
        ("put", f"/api/reads/{read}/geojson", {"type": "FeatureCollection", "features": [feature]}),
    ]


def test_every_write_without_read_version_is_refused_and_changes_nothing(
    drawn: tuple[Reading, dict[str, Any]], api_client_for: Any
) -> None:
    reading, region = drawn
    reading.client(reading.reader_a).patch(f"/api/reads/{reading.read_a.pk}/", {"diagnosis": "actinic_keratosis"},
                                           format="json")  # fmt: skip
    before = Read.objects.get(pk=reading.read_a.pk)
    regions_before = list(Region.objects.filter(read=before).values_list("pk", "version", "label"))
    client = api_client_for(reading.reader_a)  # a plain client: sends only what the test gives it
    for method, url, body in _writes(reading, region):
        response = getattr(client, method)(url, body, format="json") if body is not None else client.delete(url)
        assert response.status_code == 400, (method, url, response.status_code, response.content)
        assert "read_version" in response.json(), (url, response.json())
    after = Read.objects.get(pk=reading.read_a.pk)
    assert (after.version, after.status, after.note) == (before.version, before.status, before.note)
    assert list(Region.objects.filter(read=after).values_list("pk", "version", "label")) == regions_before


def test_the_services_refuse_a_write_without_a_version(reading: Reading) -> None:
    """The check is the service's (``read_lock_for_write``), not only the API's."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="read_version"):
        region_services.region_add(
            read=reading.read_a, by=reading.reader_a, label="clefting", geometry=square(0, 0, 10),
            read_version=None,  # type: ignore[arg-type]
        )  # fmt: skip
    with pytest.raises(ValidationError, match="read_version"):
        read_services.read_update_fields(read=reading.read_a, by=reading.reader_a, read_version="1", note="x")  # type: ignore[arg-type]
    assert Read.objects.get(pk=reading.read_a.pk).version == reading.read_a.version
