"""In a real browser: a lead starts a training run from the project's training page."""

from typing import Any

import pytest

from config.settings import test as test_settings
from tests.conftest import log_in
from tests.training.builders import TILE, export_labelset, training_study
from training.models import TrainingRun


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_starts_a_run_from_the_page_and_a_bad_architecture_is_shown(
    live_server: Any, browser_page: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT
    built = training_study(8)
    export_labelset(built.study)
    log_in(browser_page, live_server.url, built.study.lead.username)
    browser_page.goto(f"{live_server.url}/projects/{built.study.project.slug}/training/")
    browser_page.fill("#training-form input[name=tile_size]", str(TILE))
    browser_page.fill("#training-form input[name=epochs]", "1")
    browser_page.fill("#training-form input[name=arch]", "no_such_net")
    browser_page.click("#training-form button[type=submit]")
    browser_page.wait_for_function("() => document.getElementById('training-error').textContent.length > 0")
    assert "no_such_net" in browser_page.text_content("#training-error")
    assert not TrainingRun.objects.exists()

    browser_page.fill("#training-form input[name=arch]", "resnet10t")
    browser_page.click("#training-form button[type=submit]")
    browser_page.wait_for_url("**/training-runs/*/")
    run = TrainingRun.objects.get()
    assert browser_page.url.endswith(f"/training-runs/{run.pk}/")
    # Queued, or already taken by this session's worker when a worker test started it earlier (it serves the
    # gpu queue too): the run page shows the run the lead just started, in its current state.
    assert browser_page.text_content("#run-status") in {"Queued", "Running"}
    assert (run.arch, run.config["tile_size"], run.config["epochs"], run.labelset.version) == ("resnet10t", TILE, 1, 1)
