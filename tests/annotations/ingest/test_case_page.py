"""The case page shows the case, its mosaics with their ingest state, and the upload form to contributors."""

import pytest

from annotations.models import MosaicStatus
from tests.factories import MosaicFactory, ReadFactory

pytestmark = pytest.mark.django_db


def test_contributor_sees_fields_mosaics_and_upload_form(study, client) -> None:
    ready = MosaicFactory(case=study.case, status=MosaicStatus.READY)
    failed = MosaicFactory(case=study.case, status=MosaicStatus.FAILED, failure_reason="the file is empty (0 bytes)")
    client.force_login(study.contributor)
    html = client.get(f"/cases/{study.case.pk}/").content.decode()
    assert study.case.patient_code in html and 'id="upload-form"' in html
    assert f'href="/mosaics/{ready.pk}/"' in html
    assert "the file is empty (0 bytes)" in html and f'data-mosaic-id="{failed.pk}"' in html


def test_reader_sees_the_case_without_an_upload_form(study, client) -> None:
    ReadFactory(mosaic=MosaicFactory(case=study.case), reader=study.reader)
    client.force_login(study.reader)
    response = client.get(f"/cases/{study.case.pk}/")
    assert response.status_code == 200 and b'id="upload-form"' not in response.content


def test_a_reader_gets_the_reader_safe_case_page(study, client) -> None:
    """No patient code, diagnosis or histopathology, and only the reader's own mosaics (issue 11)."""
    assigned = MosaicFactory(case=study.case, original_filename="assigned.tif")
    unassigned = MosaicFactory(case=study.case, original_filename="unassigned.tif")
    ReadFactory(mosaic=assigned, reader=study.reader)
    client.force_login(study.reader)
    html = client.get(f"/cases/{study.case.pk}/").content.decode()
    assert study.case.code in html and f'data-mosaic-id="{assigned.pk}"' in html
    assert study.case.patient_code not in html
    assert study.case.get_diagnosis_display() not in html and "Histopathology" not in html
    assert f'data-mosaic-id="{unassigned.pk}"' not in html

    client.force_login(study.lead)
    lead_html = client.get(f"/cases/{study.case.pk}/").content.decode()
    assert study.case.patient_code in lead_html and study.case.get_diagnosis_display() in lead_html
    assert f'data-mosaic-id="{unassigned.pk}"' in lead_html


def test_a_reader_gets_the_reader_safe_case_list(study, client) -> None:
    assigned, unassigned = MosaicFactory(case=study.case), MosaicFactory(case=study.case)
    ReadFactory(mosaic=assigned, reader=study.reader)
    client.force_login(study.reader)
    html = client.get(f"/projects/{study.case.project.slug}/").content.decode()
    assert f'href="/cases/{study.case.pk}/"' in html and f"#{assigned.pk} " in html
    assert study.case.patient_code not in html and study.case.get_diagnosis_display() not in html
    assert "Histopathology" not in html and f"#{unassigned.pk} " not in html

    client.force_login(study.lead)
    lead_html = client.get(f"/projects/{study.case.project.slug}/").content.decode()
    assert study.case.patient_code in lead_html and study.case.get_diagnosis_display() in lead_html


def test_case_of_another_center_is_404(study, client) -> None:
    client.force_login(study.other_center_contributor)
    assert client.get(f"/cases/{study.case.pk}/").status_code == 404


def test_case_list_links_each_case_to_its_page(study, client) -> None:
    client.force_login(study.lead)
    html = client.get(f"/projects/{study.case.project.slug}/").content.decode()
    assert f'href="/cases/{study.case.pk}/"' in html
