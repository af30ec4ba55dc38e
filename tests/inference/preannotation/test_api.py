"""The AI layer's API: the protocol decides who sees it (bodies checked), decisions copy suggestions with provenance.

Every response is validated against ``/api/schema/`` (``tests.annotations.test_api_contract``'s strict check).
"""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from annotations.models import AIProtocol, Read, ReadKind, ReadRevision, Region, Role
from annotations.storage import media_path
from inference.models import PredictionRun, SuggestionDecision
from inference.services.preannotation import prediction_run_execute, prediction_run_queue
from tests.annotations.reading.conftest import square
from tests.annotations.test_api_contract import Caller, Contract
from tests.factories import ProjectFactory, ReadFactory, member
from tests.inference.preannotation.conftest import TILE, Lab, make_lab

pytestmark = pytest.mark.django_db
SUGGESTED = square(2 * TILE, TILE, 2 * TILE)  # the bright 2 × 2-tile square


def setup(lab: Lab) -> tuple[Any, PredictionRun, Read, Read]:
    mosaic = lab.mosaic()
    run = prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    first = ReadFactory(mosaic=mosaic, reader=lab.reader)
    second = ReadFactory(mosaic=mosaic, reader=lab.other_reader)
    return mosaic, run, first, second


def submit_unaided(caller: Caller, read: Read, *, draw: bool = True) -> None:
    if draw:
        caller.post(f"/api/reads/{read.pk}/regions/", {"label": "dendritic_cells", "geometry": square(10, 10, 40)}, expect=201)
    fields = {"diagnosis": "basal_cell_carcinoma"} if draw else {"diagnosis": "solar_lentigo", "no_suspicious_area": True}
    caller.patch(f"/api/reads/{read.pk}/", fields, expect=200)
    caller.post(f"/api/reads/{read.pk}/submit/", {}, expect=200)


def ai_layer(caller: Caller, mosaic: Any, *, expect: int) -> list[Any]:
    return [
        caller.get(f"/api/mosaics/{mosaic.pk}/predictions/", expect=expect),
        caller.get(f"/api/mosaics/{mosaic.pk}/suggestions/?model={mosaic.prediction_runs.get().model_id}", expect=expect),
        caller.get(f"/api/mosaics/{mosaic.pk}/heatmap.png", expect=expect),
    ]


def test_unaided_then_aided_hides_the_ai_layer_until_the_unaided_read_is_submitted(lab: Lab, contract: Contract) -> None:
    mosaic, run, read, _ = setup(lab)
    reader = Caller(contract, lab.reader)
    for body in ai_layer(reader, mosaic, expect=403):
        assert set(body) == {"detail"} and "unaided read is submitted" in body["detail"]
    # Deciding is refused too, even by id (and the suggestion's data never comes back).
    suggestion_id = run.suggestions.get().pk
    refused = reader.post(f"/api/reads/{read.pk}/suggestions/{suggestion_id}/accept/", {}, expect=403)
    assert set(refused) == {"detail"} and not Region.objects.filter(read=read).exists()
    reader.post(f"/api/reads/{read.pk}/aided/", None, expect=400)  # nothing to copy yet

    submit_unaided(reader, read)
    predictions, suggestions, heatmap = ai_layer(reader, mosaic, expect=200)
    assert [(p["id"], p["status"], p["suggestion_count"], p["tile_grid"]) for p in predictions] == [
        (run.pk, "done", 1, {"rows": 4, "cols": 6, "tile_size": TILE})
    ]
    (suggestion,) = suggestions
    assert (suggestion["provenance"], suggestion["label"], suggestion["bbox"]) == ("ai", "other_suspicious", [128, 64, 256, 192])
    assert heatmap == media_path(run.heatmap_path).read_bytes()
    # The unaided read is locked; the aided read starts as its copy and is where suggestions are decided.
    reader.post(f"/api/reads/{read.pk}/suggestions/{suggestion_id}/accept/", {}, expect=409)
    aided = reader.post(f"/api/reads/{read.pk}/aided/", None, expect=201)
    assert (aided["kind"], aided["status"], aided["diagnosis"], aided["region_count"]) == ("aided", "in_progress", "basal_cell_carcinoma", 1)
    assert reader.post(f"/api/reads/{read.pk}/aided/", None, expect=200)["id"] == aided["id"]  # one aided read
    accepted = reader.post(f"/api/reads/{aided['id']}/suggestions/{suggestion_id}/accept/", {"read_version": aided["version"]}, expect=201)
    region = accepted["region"]
    assert (region["provenance"], region["ai_model"], region["ai_suggestion_id"], region["read"]) == ("ai_accepted", lab.model.pk, suggestion_id, aided["id"])
    assert region["bbox"] == [128, 64, 256, 192] and accepted["read_version"] == aided["version"] + 1
    assert ReadRevision.objects.filter(read_id=aided["id"], action="ai_accept").exists()
    assert Region.objects.filter(read=read).count() == 1  # the unaided read is untouched
    decided = reader.get(f"/api/mosaics/{mosaic.pk}/suggestions/?read={aided['id']}", expect=200)
    assert (decided[0]["decision"], decided[0]["region"]) == ("accepted", region["id"])
    reader.post(f"/api/reads/{aided['id']}/suggestions/{suggestion_id}/accept/", {}, expect=400)  # never twice


def test_an_edit_is_ai_edited_and_a_rejection_is_recorded(lab: Lab, contract: Contract) -> None:
    mosaic, run, read, other = setup(lab)
    suggestion_id = run.suggestions.get().pk
    reader, other_reader = Caller(contract, lab.reader), Caller(contract, lab.other_reader)
    submit_unaided(reader, read, draw=False)
    submit_unaided(other_reader, other, draw=False)
    aided = reader.post(f"/api/reads/{read.pk}/aided/", None, expect=201)
    edited = reader.post(f"/api/reads/{aided['id']}/suggestions/{suggestion_id}/edit/", {"geometry": square(130, 70, 100)}, expect=201)
    assert (edited["region"]["provenance"], edited["region"]["ai_suggestion_id"]) == ("ai_edited", suggestion_id)
    assert edited["region"]["bbox"] == [130, 70, 230, 170]
    other_aided = other_reader.post(f"/api/reads/{other.pk}/aided/", None, expect=201)
    rejected = other_reader.post(f"/api/reads/{other_aided['id']}/suggestions/{suggestion_id}/reject/", {}, expect=200)
    assert rejected["decision"]["decision"] == "rejected" and not Region.objects.filter(read_id=other_aided["id"]).exists()
    assert sorted(SuggestionDecision.objects.values_list("decision", "user_id")) == sorted([("edited", lab.reader.pk), ("rejected", lab.other_reader.pk)])


def test_from_start_shows_the_layer_at_once_and_decides_in_the_reader_read(contract: Contract, tmp_path: Path) -> None:
    lab = make_lab(tmp_path, ai_protocol=AIProtocol.FROM_START)
    mosaic, run, read, _ = setup(lab)
    reader = Caller(contract, lab.reader)
    predictions, suggestions, _ = ai_layer(reader, mosaic, expect=200)
    assert predictions[0]["id"] == run.pk and len(suggestions) == 1
    reader.post(f"/api/reads/{read.pk}/aided/", None, expect=400)  # no aided reads under this protocol
    # An area that holds none of the suggestion decides nothing; one around it rejects it.
    missed = reader.post(f"/api/reads/{read.pk}/suggestions/area/", {"action": "reject", "geometry": square(0, 0, 60)}, expect=200)
    assert missed["rejected"] == []
    area = reader.post(f"/api/reads/{read.pk}/suggestions/area/", {"action": "accept", "geometry": square(100, 40, 200)}, expect=200)
    (created,) = area["created"]
    assert (created["provenance"], created["ai_suggestion_id"]) == ("ai_accepted", suggestions[0]["id"])
    again = reader.post(f"/api/reads/{read.pk}/suggestions/area/", {"action": "accept", "geometry": square(100, 40, 200)}, expect=200)
    assert again["created"] == [] and Region.objects.filter(read=read).count() == 1


def test_never_hides_the_layer_from_readers_but_not_from_leads(contract: Contract, tmp_path: Path) -> None:
    lab = make_lab(tmp_path, ai_protocol=AIProtocol.NEVER)
    mosaic, run, read, _ = setup(lab)
    reader = Caller(contract, lab.reader)
    submit_unaided(reader, read, draw=False)
    for body in ai_layer(reader, mosaic, expect=403):
        assert set(body) == {"detail"} and "never" in body["detail"]
    predictions, suggestions, _ = ai_layer(Caller(contract, lab.lead), mosaic, expect=200)
    assert predictions[0]["suggestion_count"] == 1 and suggestions[0]["id"] == run.suggestions.get().pk


def test_others_see_nothing_and_only_leads_rerun(lab: Lab, contract: Contract, api_client_for: Any) -> None:
    mosaic, run, _, _ = setup(lab)
    for body in ai_layer(Caller(contract, lab.contributor), mosaic, expect=403):
        assert set(body) == {"detail"}
    outsider = member(ProjectFactory(), Role.LEAD)
    for path in ("predictions/", "suggestions/", "heatmap.png"):
        response = api_client_for(outsider).get(f"/api/mosaics/{mosaic.pk}/{path}")
        assert response.status_code == 404 and b"other_suspicious" not in response.content
    Caller(contract, lab.reader).post(f"/api/projects/{lab.project.slug}/preannotate/", {}, expect=403)
    queued = Caller(contract, lab.lead).post(f"/api/projects/{lab.project.slug}/preannotate/", {}, expect=202)
    assert [(item["id"], item["status"], item["progress"]) for item in queued] == [(run.pk, "queued", 0)]
    assert PredictionRun.objects.count() == 1  # re-queued, not duplicated
    Caller(contract, lab.lead).post(f"/api/mosaics/{mosaic.pk}/predictions/", {"model": 999999}, expect=404)
    assert Read.objects.filter(kind=ReadKind.AIDED).count() == 0


def test_the_ai_influence_report_measures_each_reader_against_the_consensus(lab: Lab, contract: Contract) -> None:
    mosaic, run, read, other = setup(lab)
    suggestion_id = run.suggestions.get().pk
    reader, other_reader = Caller(contract, lab.reader), Caller(contract, lab.other_reader)
    submit_unaided(reader, read)  # one 40 × 40 region
    submit_unaided(other_reader, other, draw=False)  # explicitly negative
    aided = reader.post(f"/api/reads/{read.pk}/aided/", None, expect=201)
    reader.post(f"/api/reads/{aided['id']}/suggestions/{suggestion_id}/accept/", {}, expect=201)
    reader.post(f"/api/reads/{aided['id']}/submit/", {}, expect=200)
    other_aided = other_reader.post(f"/api/reads/{other.pk}/aided/", None, expect=201)
    other_reader.post(f"/api/reads/{other_aided['id']}/suggestions/{suggestion_id}/reject/", {}, expect=200)
    other_reader.post(f"/api/reads/{other_aided['id']}/submit/", {}, expect=200)
    path = f"/api/projects/{lab.project.slug}/ai-influence/"
    before = Caller(contract, lab.lead).get(path, expect=200)
    assert before["overall"]["adopted_false_positives"] is None  # no consensus yet
    ReadFactory(mosaic=mosaic, reader=lab.lead, kind=ReadKind.CONSENSUS, status="submitted")  # nothing suspicious
    report = Caller(contract, lab.lead).get(path, expect=200)
    readers = {row["reader"]: row for row in report["readers"]}
    first, second = readers[lab.reader.username], readers[lab.other_reader.username]
    assert first["dice_unaided_aided"] == pytest.approx(2 * 40**2 / (2 * 40**2 + 128**2), abs=1e-4)
    assert (first["suggestions_shown"], first["adopted"], first["adoption_rate"]) == (1, 1, 1.0)
    assert (first["adopted_against_consensus"], first["adopted_false_positives"]) == (1, 1)
    assert (second["dice_unaided_aided"], second["rejected"], second["adoption_rate"]) == (1.0, 1, 0.0)
    assert second["adopted_false_positives"] is None  # adopted nothing to check
    assert (report["overall"]["read_pairs"], report["overall"]["adoption_rate"]) == (2, 0.5)
    assert [row["center"] for row in report["centers"]] == [lab.center.code]
    body = Caller(contract, lab.reader).get(path, expect=403)
    assert set(body) == {"detail"}
    out = io.StringIO()
    call_command("ai_influence", "--project", lab.project.slug, "--json", stdout=out)
    assert json.loads(out.getvalue()) == report
    out = io.StringIO()
    call_command("ai_influence", "--project", lab.project.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == lab.project.slug and lines[-2].split()[-2:] == ["50%", "1/1"]


def test_leads_set_the_protocol_and_readers_see_the_layer_as_it_says(lab: Lab, contract: Contract, api_client_for: Any) -> None:
    mosaic, _, _, _ = setup(lab)
    reader, lead = Caller(contract, lab.reader), Caller(contract, lab.lead)
    ai_layer(reader, mosaic, expect=403)
    assert reader.get(f"/api/projects/{lab.project.slug}/", expect=200)["ai_protocol"] == "unaided_then_aided"
    refused = api_client_for(lab.reader).patch(f"/api/projects/{lab.project.slug}/", {"ai_protocol": "from_start"}, format="json")
    assert refused.status_code == 403  # (the projects API does not declare its 400s/403s: a plain client)
    bad = api_client_for(lab.lead).patch(f"/api/projects/{lab.project.slug}/", {"ai_protocol": "sometimes"}, format="json")
    assert bad.status_code == 400 and "ai_protocol" in bad.json()
    assert lead.patch(f"/api/projects/{lab.project.slug}/", {"ai_protocol": "from_start"}, expect=200)["ai_protocol"] == "from_start"
    assert len(ai_layer(reader, mosaic, expect=200)[1]) == 1
    call_command("create_project", lab.project.slug, "--name", "Face", "--ai-protocol", "never", stdout=io.StringIO())
    ai_layer(reader, mosaic, expect=403)


def test_a_heatmap_whose_file_is_gone_is_a_404_that_says_so(lab: Lab, contract: Contract) -> None:
    mosaic, run, _, _ = setup(lab)
    media_path(run.heatmap_path).unlink()
    body = Caller(contract, lab.lead).get(f"/api/mosaics/{mosaic.pk}/heatmap.png?model={lab.model.pk}", expect=404)
    assert "re-run" in body["detail"]
    Caller(contract, lab.lead).get(f"/api/mosaics/{mosaic.pk}/heatmap.png?model=abc", expect=400)


def test_restoring_a_revision_keeps_where_an_ai_region_came_from(contract: Contract, tmp_path: Path) -> None:
    lab = make_lab(tmp_path, ai_protocol=AIProtocol.FROM_START)
    mosaic, run, read, _ = setup(lab)
    reader = Caller(contract, lab.reader)
    accepted = reader.post(f"/api/reads/{read.pk}/suggestions/{run.suggestions.get().pk}/accept/", {}, expect=201)
    region = accepted["region"]
    reader.delete(f"/api/regions/{region['id']}/?version={region['version']}", expect=204)
    reader.post(f"/api/reads/{read.pk}/history/{accepted['read_version']}/restore/", {}, expect=200)
    back = reader.get(f"/api/regions/{region['id']}/", expect=200)
    assert (back["provenance"], back["ai_model"], back["ai_suggestion_id"]) == ("ai_accepted", lab.model.pk, region["ai_suggestion_id"])
