"""The case page shows each model's run on each mosaic: progress while queued/running, why it failed, its result."""

import html
import re
from typing import Any

import pytest

from inference.models import PredictionRun
from inference.services.preannotation import prediction_run_execute, prediction_run_queue
from tests.factories import ReadFactory
from tests.inference.preannotation.conftest import Lab

pytestmark = pytest.mark.django_db


def ai_cells(client: Any, lab: Lab) -> list[str]:
    """The AI column's cells (one per mosaic row), as HTML text."""
    response = client.get(f"/cases/{lab.case.pk}/")
    assert response.status_code == 200
    return re.findall(r'<td class="ai-runs">(.*?)</td>', response.content.decode(), re.S)


def text_of(cell: str, css_class: str) -> str:
    found = re.search(rf'<(\w+) class="{css_class}"[^>]*>(.*?)</\1>', cell, re.S)
    assert found, (css_class, cell)
    return html.unescape(found.group(2)).strip()


def test_leads_see_progress_results_and_failure_reasons(lab: Lab, client: Any) -> None:
    queued, done, failing = lab.mosaic(), lab.mosaic(), lab.mosaic()
    prediction_run_queue(mosaic=queued, model=lab.model, by=None, send=False)
    PredictionRun.objects.filter(mosaic=queued).update(status="running", progress=42)
    prediction_run_execute(run_id=prediction_run_queue(mosaic=done, model=lab.model, by=None, send=False).pk)
    failing.pyramid_path = "mosaics/missing/pyramid.tif"
    failing.save()
    failed = prediction_run_execute(run_id=prediction_run_queue(mosaic=failing, model=lab.model, by=None, send=False).pk)
    client.force_login(lab.lead)
    running_cell, done_cell, failed_cell = ai_cells(client, lab)
    assert text_of(running_cell, "status status-running") == "Running" and '<progress max="100" value="42">' in running_cell
    assert text_of(done_cell, "run-result").endswith("1 suggestion") and "<progress" not in done_cell
    assert failed.status == "failed" and "re-ingest the mosaic" in failed.error
    assert text_of(failed_cell, "problem") == failed.error


def test_a_reader_mid_unaided_read_sees_no_run(lab: Lab, client: Any) -> None:
    mosaic = lab.mosaic()
    prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    ReadFactory(mosaic=mosaic, reader=lab.reader)
    client.force_login(lab.reader)
    (cell,) = ai_cells(client, lab)
    assert cell.strip() == "—"


def test_the_page_asks_the_database_as_often_for_four_mosaics_as_for_one(lab: Lab, client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_case_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            cells = ai_cells(client, lab)
        assert all("1 suggestion" in cell for cell in cells), cells
        return len(captured)

    first = lab.mosaic()
    prediction_run_execute(run_id=prediction_run_queue(mosaic=first, model=lab.model, by=None, send=False).pk)
    client.force_login(lab.lead)
    with_one = queries_for_case_page()
    for _ in range(3):
        mosaic = lab.mosaic()
        prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    assert queries_for_case_page() == with_one
