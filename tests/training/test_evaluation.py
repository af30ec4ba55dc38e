"""``evaluate_model`` / ``manage.py evaluate``: the study's measurement on a label set, checked against scikit-learn."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from sklearn.metrics import confusion_matrix, roc_auc_score

from annotations.models import LabelSet, Role
from annotations.selectors.labelsets import labelset_root
from annotations.storage import media_path
from inference.ml.data.reader import PyramidReader
from inference.ml.model_files import load_model
from inference.ml.predict.inferer import predict_mosaic
from inference.services.registry import model_files
from tests.factories import member
from tests.training.builders import TILE, export_labelset, registered_tiny_model, training_study
from training.models import Evaluation, TrainingSettings
from training.snapshot_files import grid_fractions, label_mask, snapshot_mosaics, snapshot_tiles

pytestmark = pytest.mark.django_db
KEYS = ["tile_auroc", "mosaic_auroc", "threshold", "sensitivity", "specificity", "specificity_at_sensitivity_0_8",
        "pixel_dice", "n_tiles", "n_mosaics", "n_patients"]  # fmt: skip


def evaluate(*argv: str) -> list[str]:
    out = io.StringIO()
    call_command("evaluate", *argv, stdout=out, verbosity=0)
    return out.getvalue().strip().splitlines()


def test_the_commands_json_has_the_issues_keys_and_matches_scikit_learn(tmp_path: Path) -> None:
    built = training_study(8)
    labelset = export_labelset(built.study)
    model = registered_tiny_model(built.study, tmp_path, threshold=0.5)

    (line,) = evaluate("--model", str(model.pk), "--labelset", str(labelset.version), "--split", "all", "--json",
                       "--resamples", "100")  # fmt: skip
    report = json.loads(line)
    assert list(report) == KEYS
    assert (report["n_mosaics"], report["n_patients"], report["threshold"]) == (8, 8, 0.5)

    # The same measurement, independently: the model over each mosaic, scikit-learn on the results.
    network, config = load_model(*model_files(model=model))
    root = labelset_root(labelset)
    rows = snapshot_mosaics(root)
    tiles = snapshot_tiles(root, [row.mosaic for row in rows])
    tile_p, tile_y, scores, truth = [], [], [], []
    for row, mosaic in zip(rows, sorted(built.mosaics, key=lambda m: m.pk), strict=True):
        prediction = predict_mosaic(network, config, PyramidReader(media_path(mosaic.pyramid_path), 0.5))
        probability = np.nan_to_num(prediction.tile_probability, nan=0.0)
        for tile in tiles[row.mosaic]:
            tile_p.append(probability[tile.y // TILE, tile.x // TILE])
            tile_y.append(tile.label)
        scores.append(prediction.score)
        truth.append(row.regions > 0)
    assert truth == [positive for _, positive in sorted(zip([m.pk for m in built.mosaics], built.positive, strict=True))]
    assert report["n_tiles"] == len(tile_y) == 8 * 16
    assert report["tile_auroc"]["value"] == pytest.approx(roc_auc_score(tile_y, tile_p))
    assert report["mosaic_auroc"]["value"] == pytest.approx(roc_auc_score(truth, scores))
    tn, fp, fn, tp = confusion_matrix(truth, np.array(scores) >= 0.5, labels=[False, True]).ravel()
    assert report["sensitivity"]["value"] == pytest.approx(tp / (tp + fn))
    assert report["specificity"]["value"] == pytest.approx(tn / (tn + fp))
    for key in ("tile_auroc", "mosaic_auroc"):
        low, high = report[key]["ci95"]
        assert low <= report[key]["value"] <= high

    evaluation = Evaluation.objects.get()
    assert (evaluation.model, evaluation.labelset, evaluation.split, evaluation.truth) == (model, labelset, "all",
                                                                                          "labelled_area")  # fmt: skip
    assert evaluation.report["bootstrap"]["n_resamples"] == 100
    assert bytes(evaluation.roc_mosaic_png).startswith(b"\x89PNG")


def test_the_table_form_ends_with_the_evaluations_id_and_a_diagnosis_grouping_sets_the_truth(tmp_path: Path) -> None:
    built = training_study(4)
    labelset = export_labelset(built.study, split_fractions={"train": 0.0, "val": 0.0, "test": 1.0})
    model = registered_tiny_model(built.study, tmp_path)
    TrainingSettings.objects.create(project=built.study.project, positive_diagnoses=["basal_cell_carcinoma"])
    lines = evaluate("--model", str(model.pk), "--labelset", str(labelset.version), "--resamples", "50")
    evaluation = Evaluation.objects.get()
    assert lines[-1] == str(evaluation.pk) and lines[0].startswith("tile_auroc")
    # Every case is actinic keratosis: under this grouping no mosaic is positive, so the mosaic AUROC is undefined.
    assert (evaluation.truth, evaluation.truth_detail) == ("diagnosis", ["basal_cell_carcinoma"])
    assert evaluation.report["mosaic_auroc"] is None
    assert "all 4 are negative" in evaluation.report["reasons"]["mosaic_auroc"]
    assert evaluation.report["tile_auroc"] is not None  # tiles keep their labelled truth


def test_an_empty_split_is_refused_before_the_model_runs(tmp_path: Path) -> None:
    built = training_study(4)
    labelset = export_labelset(built.study, split_fractions={"train": 0.75, "val": 0.25, "test": 0.0})
    model = registered_tiny_model(built.study, tmp_path)
    with pytest.raises(CommandError, match="the test split of label set v1 has no mosaics"):
        evaluate("--model", str(model.pk), "--labelset", "1")
    with pytest.raises(CommandError, match="no label set version 7"):
        evaluate("--model", str(model.pk), "--labelset", "7")
    assert not Evaluation.objects.exists()
    assert LabelSet.objects.get() == labelset


def test_a_model_whose_tiles_differ_from_the_snapshots_is_scored_on_the_label_mask(tmp_path: Path) -> None:
    built = training_study(4)
    labelset = export_labelset(built.study)
    root = labelset_root(labelset)
    # On the snapshot's own grid, the mask's shares are tiles.csv's fractions (mask at full resolution).
    for row in snapshot_mosaics(root):
        labelled, downsample = label_mask(root, row)
        fractions = grid_fractions(labelled, downsample, tile_px=TILE, stride_px=TILE, rows=4, cols=4,
                                   width=row.width, height=row.height)  # fmt: skip
        expected = np.zeros((4, 4))
        for tile in snapshot_tiles(root, [row.mosaic])[row.mosaic]:
            expected[tile.y // TILE, tile.x // TILE] = tile.labelled_fraction
        np.testing.assert_allclose(fractions, expected, atol=1e-6)
    # 16-px tiles (32 px at 0.25 µm/px on 0.5 µm/px mosaics): 64 tiles a mosaic, labelled from the mask.
    model = registered_tiny_model(built.study, tmp_path, um_per_px=0.25)
    (line,) = evaluate("--model", str(model.pk), "--labelset", "1", "--split", "all", "--json", "--resamples", "20")
    assert json.loads(line)["n_tiles"] == 4 * 64


def test_the_model_page_shows_the_study_table_to_leads_only(tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]
    built = training_study(4)
    labelset = export_labelset(built.study)
    model = registered_tiny_model(built.study, tmp_path)
    evaluate("--model", str(model.pk), "--labelset", str(labelset.version), "--split", "all", "--resamples", "20")
    evaluation = Evaluation.objects.get()

    client.force_login(built.study.lead)
    page = client.get(f"/models/{model.pk}/").content.decode()
    assert 'data-measure="mosaic_auroc"' in page and "0.832" in page and "0.775" in page and "0.79" in page
    value = evaluation.report["mosaic_auroc"]["value"]
    assert f"{value:.3f}" in page
    image = client.get(f"/evaluations/{evaluation.pk}/roc-mosaic.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    # Promote by hand from the page: a reason is required, and recorded with the lead's name.
    assert client.post(f"/models/{model.pk}/promote/", {"reason": ""}).status_code == 302
    assert "say why" in client.get(f"/models/{model.pk}/").content.decode()
    client.post(f"/models/{model.pk}/promote/", {"reason": "reviewed its suggestions"})
    model.refresh_from_db()
    assert (model.status, model.status_reason, model.status_changed_by) == (
        "active", "promoted by hand: reviewed its suggestions", built.study.lead)

    client.force_login(built.study.readers["ann"])
    assert client.post(f"/models/{model.pk}/promote/", {"reason": "x"}).status_code == 404
    refused = client.get(f"/models/{model.pk}/")
    assert refused.status_code == 404 and b"0.832" not in refused.content
    assert client.get(f"/evaluations/{evaluation.pk}/roc-mosaic.png").status_code == 404
    client.force_login(member(built.study.project, Role.READER))
    assert client.get(f"/models/{model.pk}/").status_code == 404
