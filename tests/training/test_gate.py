"""The promotion gate on known reports: a candidate replaces the active model only with a higher mosaic AUROC."""

import re
from pathlib import Path

import pytest

from annotations.models import LabelSet
from inference.models import ModelStatus, RegisteredModel
from tests.annotations.studies import make_study
from tests.training.builders import registered_tiny_model
from training.models import Evaluation
from training.services.gate import gate_apply

pytestmark = pytest.mark.django_db


def evaluated(model: RegisteredModel, labelset: LabelSet, auroc: float | None) -> Evaluation:
    estimate = None if auroc is None else {"value": auroc, "ci95": [auroc - 0.1, min(1.0, auroc + 0.1)]}
    return Evaluation.objects.create(model=model, labelset=labelset, split="test", report={"mosaic_auroc": estimate},
                                     reader_agreement={"pixel_dice": 0.7, "n_pairs": 3}, roc_tile_png=b"",
                                     roc_mosaic_png=b"")  # fmt: skip


def test_the_gate_promotes_only_a_better_candidate_on_the_same_split(tmp_path: Path) -> None:
    study = make_study()
    labelset = LabelSet.objects.create(project=study.project, version=1, policy="consensus", status="complete")
    first = registered_tiny_model(study, tmp_path, seed=1)
    verdict = gate_apply(candidate=first, evaluation=evaluated(first, labelset, 0.70))
    first.refresh_from_db()
    assert verdict["promoted"] and first.status == ModelStatus.ACTIVE and "no active classifier" in first.status_reason
    assert verdict["reader_agreement"]["pixel_dice"] == 0.7

    worse = registered_tiny_model(study, tmp_path, seed=2)
    verdict = gate_apply(candidate=worse, evaluation=evaluated(worse, labelset, 0.65))
    worse.refresh_from_db()
    first.refresh_from_db()
    assert not verdict["promoted"] and verdict["active"]["mosaic_auroc"] == 0.70
    assert (worse.status, first.status) == (ModelStatus.CANDIDATE, ModelStatus.ACTIVE)
    assert "does not beat active model" in worse.status_reason and "0.650 (95 % CI 0.550–0.750)" in worse.status_reason

    better = registered_tiny_model(study, tmp_path, seed=3)
    verdict = gate_apply(candidate=better, evaluation=evaluated(better, labelset, 0.81))
    better.refresh_from_db()
    first.refresh_from_db()
    assert verdict["promoted"] and (better.status, first.status) == (ModelStatus.ACTIVE, ModelStatus.RETIRED)
    assert f"beats active model {first.pk}'s 0.700" in better.status_reason

    undefined = registered_tiny_model(study, tmp_path, seed=4)
    verdict = gate_apply(candidate=undefined, evaluation=evaluated(undefined, labelset, None))
    assert not verdict["promoted"] and "undefined" in verdict["reason"]
    assert list(RegisteredModel.objects.filter(status=ModelStatus.ACTIVE)) == [better]


def test_the_project_training_page_lists_models_and_offers_the_form_to_leads_only(tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]
    study = make_study()
    LabelSet.objects.create(project=study.project, version=1, policy="consensus", status="complete", mosaic_count=3)
    model = registered_tiny_model(study, tmp_path)
    client.force_login(study.lead)
    page = client.get(f"/projects/{study.project.slug}/training/").content.decode()
    assert 'id="training-form"' in page and '<option value="1">v1 (consensus, 3 mosaics)</option>' in page
    assert f'href="/models/{model.pk}/"' in page and re.search(r'<script[^>]+assets/training-[^"]+\.js', page)
    client.force_login(study.readers["ann"])
    refused = client.get(f"/projects/{study.project.slug}/training/")
    assert refused.status_code == 404 and b"training-form" not in refused.content
