"""A run stores the model's known answer, aligned with the mosaic; a re-run replaces it; failures say why."""

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from matplotlib import colormaps
from PIL import Image

from annotations.storage import media_path
from inference.models import PredictionRun, Suggestion
from inference.services.preannotation import prediction_run_execute, prediction_run_queue
from inference.storage import prediction_dir
from tests.inference.preannotation.conftest import BRIGHT, COLS, ROWS, TILE, Lab, level
from tests.inference.preannotation.known_model import expected_probability

pytestmark = pytest.mark.django_db


def preannotate(*argv: str) -> tuple[list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("preannotate", *argv, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines(), err.getvalue()


def test_the_command_stores_the_models_answer_per_tile_and_prints_the_run_id_last(lab: Lab) -> None:
    mosaic = lab.mosaic()
    lines, progress = preannotate("--model", str(lab.model.pk), "--mosaic", str(mosaic.pk))
    run = PredictionRun.objects.get(mosaic=mosaic, model=lab.model)
    assert lines[-1] == str(run.pk) and "1 of 1 run(s) done" in lines[-2]
    assert "100%" in progress  # the tqdm bar on stderr
    assert (run.status, run.progress, run.error) == ("done", 100, "")
    assert (run.grid_rows, run.grid_cols, run.tile_size) == (ROWS, COLS, TILE)
    grid = np.load(media_path(run.probability_path))
    uncertainty = np.load(media_path(run.uncertainty_path))
    for row in range(ROWS):
        for col in range(COLS - 1):
            assert grid[row, col] == pytest.approx(expected_probability(level(row, col)), abs=1e-4), (row, col)
    assert np.isnan(grid[:, -1]).all() and np.isnan(uncertainty[:, -1]).all()  # background never run
    assert uncertainty[1, 2] < uncertainty[0, 0]  # 0.98 is surer than 0.4


def test_the_stored_heatmap_lies_on_the_mosaic(lab: Lab) -> None:
    mosaic = lab.mosaic()
    run = prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False)
    run = prediction_run_execute(run_id=run.pk)
    heatmap = np.asarray(Image.open(media_path(run.heatmap_path)))
    d = run.map_downsample
    assert heatmap.shape[:2] == (-(-ROWS * TILE // d), -(-COLS * TILE // d))
    colours = colormaps["inferno"]
    for row in range(ROWS):
        for col in range(COLS - 1):
            centre = heatmap[(row * TILE + TILE // 2) // d, (col * TILE + TILE // 2) // d]
            assert (centre == np.array(colours(expected_probability(level(row, col)), bytes=True))).all(), (row, col)
    assert (heatmap[:, ((COLS - 1) * TILE) // d :, 3] == 0).all()  # transparent over the background column


def test_suggestions_are_the_bright_square_in_mosaic_pixels(lab: Lab) -> None:
    mosaic = lab.mosaic()
    run = prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    (suggestion,) = Suggestion.objects.filter(run=run)
    rows, cols = zip(*BRIGHT, strict=True)
    assert (suggestion.min_x, suggestion.min_y) == (min(cols) * TILE, min(rows) * TILE)
    assert (suggestion.max_x, suggestion.max_y) == ((max(cols) + 1) * TILE, (max(rows) + 1) * TILE)
    assert suggestion.label == "other_suspicious" and suggestion.score == pytest.approx(expected_probability(245), abs=1e-4)
    assert run.score == pytest.approx(expected_probability(245), abs=1e-4)  # 4 of 24 tiles ≥ 1 %: the top value


def test_a_rerun_replaces_the_outputs_never_duplicates_them(lab: Lab, django_capture_on_commit_callbacks: Any) -> None:
    mosaic = lab.mosaic()
    first = prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    first_folder = media_path(first.probability_path).parent
    old_suggestions = set(Suggestion.objects.filter(run=first).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # the old folder goes once the new outputs commit
        lines, _ = preannotate("--model", str(lab.model.pk), "--project", lab.project.slug)
    again = PredictionRun.objects.get()
    assert lines[-1] == str(again.pk) == str(first.pk)
    assert again.status == "done" and Suggestion.objects.filter(run=again).count() == 1
    assert not old_suggestions & set(Suggestion.objects.values_list("pk", flat=True))
    assert not first_folder.exists() and media_path(again.probability_path).is_file()
    assert [p.name for p in prediction_dir(again.pk).iterdir()] == [media_path(again.probability_path).parent.name]


def test_a_run_whose_model_files_are_gone_fails_saying_what_to_do(lab: Lab, tmp_path: Path) -> None:
    mosaic = lab.mosaic()
    media_path(lab.model.weights_path).unlink()
    with pytest.raises(CommandError) as failed:
        preannotate("--model", str(lab.model.pk), "--mosaic", str(mosaic.pk))
    assert failed.value.returncode == 1
    run = PredictionRun.objects.get()
    assert run.status == "failed" and "register the model again" in run.error and "model.safetensors" in run.error
    assert not Suggestion.objects.exists() and run.probability_path == ""


def test_deleting_the_mosaic_removes_its_runs_files(lab: Lab, django_capture_on_commit_callbacks: Any) -> None:
    mosaic = lab.mosaic()
    run = prediction_run_execute(run_id=prediction_run_queue(mosaic=mosaic, model=lab.model, by=None, send=False).pk)
    assert prediction_dir(run.pk).is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        mosaic.delete()
    assert not prediction_dir(run.pk).exists() and not PredictionRun.objects.exists()
