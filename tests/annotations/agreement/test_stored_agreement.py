"""Agreement as the platform stores and serves it: the task, the command and the API agree.

The last reader submit queues the mosaic's agreement; a real worker computes it
and its stored row equals a direct call of ``mosaic_agreement``. ``manage.py
agreement --json`` prints exactly ``mosaics`` and ``aggregates``, the same data
as ``GET /api/projects/{slug}/agreement/``; stale results are recomputed.
"""

import io
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from annotations.agreement.mosaic import AgreementSettings, MosaicInfo, ReaderLabels, mosaic_agreement
from annotations.models import AgreementResult, AgreementSummary
from annotations.services.agreement import project_agreement_refresh
from tests.annotations.studies import Study, make_study, submit
from tests.conftest import worker_hostname, worker_runs

from .regions import rect

ROW_KEYS = {"mosaic", "name", "readers", "dice", "iou", "tile_kappa", "lesion_f1", "hausdorff95_um", "diagnosis_agree"}


def agreement_json(study: Study, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("agreement", "--project", study.project.slug, "--json", *extra, stdout=out, verbosity=0)
    return json.loads(out.getvalue())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_last_submit_queues_agreement_that_a_worker_stores_as_mosaic_agreement_computes_it(
    celery_worker_process: Any, api_client_for: Callable[[Any], APIClient]
) -> None:
    study = make_study()
    mosaic = study.mosaic("lesion-7", patient="P7")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    a_regions = [("clefting", rect(0, 0, 100, 50)), ("dark_shadows", rect(200, 100, 260, 160))]
    b_regions = [("clefting", rect(50, 0, 150, 50))]
    submit(read_a, a_regions)
    assert not AgreementResult.objects.exists()  # one read is still open: nothing queued
    read_b = submit(read_b, b_regions, diagnosis="solar_lentigo")

    deadline = time.monotonic() + 60
    while not AgreementSummary.objects.filter(project=study.project).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    [stored] = AgreementResult.objects.filter(mosaic=mosaic)
    read_a.refresh_from_db()
    expected = mosaic_agreement(
        MosaicInfo(mosaic.pk, "lesion-7", 400, 200, 0.5),
        ReaderLabels("ann", a_regions, "actinic_keratosis"), ReaderLabels("bob", b_regions, "solar_lentigo"),
        settings=AgreementSettings(tile_px=224, positive_fraction=0.5),
    )  # fmt: skip
    assert stored.row == expected and stored.error == ""
    assert (stored.read_a_version, stored.read_b_version) == (read_a.version, read_b.version)
    [run] = [run for run in worker_runs("annotations.compute_mosaic_agreement") if run["args"] == [mosaic.pk]]
    assert (run["status"], run["worker"]) == ("SUCCESS", worker_hostname())
    assert [r["worker"] for r in worker_runs("annotations.aggregate_project_agreement")] == [worker_hostname()]

    body = api_client_for(study.lead).get(f"/api/projects/{study.project.slug}/agreement/").json()
    assert body["mosaics"] == [expected]
    assert body["aggregates"] == AgreementSummary.objects.get(project=study.project).aggregates
    assert body["aggregates"]["overall"]["dice"]["value"] == expected["dice"] and not body["aggregates_stale"]


@pytest.mark.django_db
def test_command_json_has_exactly_mosaics_and_aggregates_and_equals_the_api(
    api_client_for: Callable[[Any], APIClient],
) -> None:
    study = make_study(["ann", "bob"])
    overlap, negatives, one_negative = (study.mosaic(name, patient=f"P{i}") for i, name in enumerate("xyz"))
    for mosaic, a_regions, b_regions in (
        (overlap, [("clefting", rect(0, 0, 100, 50))], [("clefting", rect(50, 0, 150, 50))]),
        (negatives, [], []),
        (one_negative, [("clefting", rect(0, 0, 100, 50))], []),
    ):
        read_a, read_b = study.assign(mosaic, "ann", "bob")
        submit(read_a, a_regions)
        submit(read_b, b_regions)

    printed = agreement_json(study)

    assert set(printed) == {"mosaics", "aggregates"}
    rows = {row["mosaic"]: row for row in printed["mosaics"]}
    assert all(ROW_KEYS <= set(row) for row in rows.values())
    assert rows[overlap.pk]["dice"] == 0.5 and rows[overlap.pk]["name"] == "x"
    assert rows[negatives.pk]["dice"] == 1.0 and "convention" in rows[negatives.pk]["notes"]["dice"]
    assert rows[one_negative.pk]["dice"] == 0.0
    overall = printed["aggregates"]["overall"]["dice"]
    assert overall["value"] == pytest.approx(0.5) and overall["patients"] == 3 and len(overall["ci95"]) == 2
    assert list(printed["aggregates"]["by_pair"]) == ["ann & bob"]
    body = api_client_for(study.lead).get(f"/api/projects/{study.project.slug}/agreement/").json()
    assert (body["mosaics"], body["aggregates"]) == (printed["mosaics"], printed["aggregates"])
    lowest = api_client_for(study.lead).get(f"/api/projects/{study.project.slug}/agreement/?order=dice&limit=2")
    assert [row["dice"] for row in lowest.json()["mosaics"]] == [0.0, 0.5]


@pytest.mark.django_db
def test_results_go_stale_when_the_settings_change_and_are_recomputed() -> None:
    study = make_study()
    mosaic = study.mosaic("m", patient="P1")
    read_a, read_b = study.assign(mosaic, "ann", "bob")
    submit(read_a, [("clefting", rect(0, 0, 100, 100))])
    submit(read_b, [("clefting", rect(0, 0, 100, 60))])
    project_agreement_refresh(project_id=study.project.pk)
    first = AgreementResult.objects.get(mosaic=mosaic)
    assert first.row is not None and first.row["tiles"]["size_px"] == 224

    study.project.agreement_tile_px = 50
    study.project.save()
    from annotations.selectors.agreement import agreement_report

    stale = agreement_report(project=study.project)
    assert stale["mosaics"] == [] and stale["pending"] == [mosaic.pk] and stale["aggregates_stale"]
    printed = agreement_json(study)
    [row] = printed["mosaics"]
    assert row["tiles"]["size_px"] == 50 and row["tiles"]["count"] == 8 * 4
    assert agreement_report(project=study.project)["pending"] == []


@pytest.mark.django_db
def test_a_failed_computation_is_stored_and_the_command_exits_non_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    study = make_study()
    mosaic = study.mosaic("m", patient="P1")
    for read in study.assign(mosaic, "ann", "bob"):
        submit(read, [("clefting", rect(0, 0, 100, 100))])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("the rasteriser broke")

    monkeypatch.setattr("annotations.services.agreement.mosaic_pairs_agreement", broken)
    with pytest.raises(CommandError) as failed:
        agreement_json(study)
    assert failed.value.returncode == 1
    stored = AgreementResult.objects.get(mosaic=mosaic)
    assert stored.row is None and "the rasteriser broke" in stored.error
