"""The lead's dashboard in Debian's Chromium: the numbers on screen are the API's, and assignment from the page."""

from typing import Any

import pytest

from annotations.models import Read, ReadKind
from annotations.services.adjudication import consensus_create
from annotations.services.agreement import project_agreement_refresh
from annotations.services.reads import read_submit, read_update_fields
from tests.annotations.agreement.regions import rect
from tests.annotations.studies import Study, make_study, submit
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def study() -> Study:
    """Three read mosaics (one adjudicated) with agreement computed, and two mosaics nobody reads yet."""
    study = make_study(["ann", "bob", "cid"], min_viewed_fraction=0.5)
    overlaps = [(50, 0, 150, 100), (20, 20, 120, 120), (300, 100, 380, 180)]
    for i, (x0, y0, x1, y1) in enumerate(overlaps):
        mosaic = study.mosaic(f"read{i}", patient=f"P{i}", diagnosis=["actinic_keratosis", "solar_lentigo"][i % 2])
        read_a, read_b = study.assign(mosaic, "ann", "bob" if i < 2 else "cid")
        submit(read_a, [("clefting", rect(0, 0, 100, 100))])
        submit(read_b, [("clefting", rect(x0, y0, x1, y1))], diagnosis="solar_lentigo")
        if i == 0:
            consensus = consensus_create(mosaic=mosaic, by=study.lead, start="union")
            consensus.refresh_from_db()
            consensus = read_update_fields(
                read=consensus, by=study.lead, diagnosis="actinic_keratosis", read_version=consensus.version
            )
            read_submit(read=consensus, by=study.lead, read_version=consensus.version)
    for i in range(2):
        study.mosaic(f"free{i}", patient=f"Q{i}")
    project_agreement_refresh(project_id=study.project.pk)
    return study


def open_dashboard(page: Any, base_url: str, study: Study) -> None:
    log_in(page, base_url, study.lead.username)
    page.goto(f"{base_url}/projects/{study.project.slug}/")
    page.click("#dashboard-link")
    page.wait_for_selector("#dashboard[data-ready='true']", timeout=30_000)


def api_get(page: Any, url: str) -> Any:
    return page.evaluate("(url) => fetch(url).then((r) => r.json())", url)


def cell_texts(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_dashboard_shows_the_api_numbers_lowest_agreement_first(
    live_server: Any, browser_page: Any, study: Study
) -> None:
    page = browser_page
    open_dashboard(page, live_server.url, study)
    slug = study.project.slug
    agreement = api_get(page, f"/api/projects/{slug}/agreement/")
    overall = agreement["aggregates"]["overall"]

    for metric in ("dice", "iou", "tile_kappa", "lesion_f1"):
        shown = page.inner_text(f"#agreement-overall td[data-key='{metric}']")
        assert shown == f"{overall[metric]['value']:.3f}", metric
    assert page.inner_text("#agreement-overall td[data-key='hausdorff95_um']") == (
        f"{overall['hausdorff95_um']['value']:.1f} µm"
    )
    # The rows, lowest Dice first, each linking to its disagreement map.
    lowest = sorted(agreement["mosaics"], key=lambda row: row["dice"])
    assert cell_texts(page, "#agreement-lowest td[data-key='dice']") == [f"{row['dice']:.3f}" for row in lowest]
    assert cell_texts(page, "#agreement-lowest td[data-key='iou']") == [f"{row['iou']:.3f}" for row in lowest]
    links = page.locator("#agreement-lowest a[data-map]")
    pair = "%2C".join(lowest[0]["readers"])
    assert links.first.get_attribute("href") == f"/mosaics/{lowest[0]['mosaic']}/?map=disagreement&pair={pair}"
    # One dot per reader pair in its plot, at the API's value.
    pairs = agreement["aggregates"]["by_pair"]
    dots = page.locator("#plot-pair circle")
    assert dots.count() == len(pairs) == 2
    shown_pairs = {dots.nth(i).get_attribute("data-group"): float(dots.nth(i).get_attribute("data-value"))
                   for i in range(dots.count())}  # fmt: skip
    assert shown_pairs == pytest.approx({pair: group["dice"]["value"] for pair, group in pairs.items()})
    bars = page.locator("#plot-distribution rect")
    assert sum(int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count())) == len(lowest)

    progress = api_get(page, f"/api/projects/{slug}/progress/")
    totals_row = page.locator("#progress-centers tbody tr").last
    for state in ("mosaics", "unassigned", "submitted", "adjudicated"):
        assert totals_row.locator(f"td[data-key='{state}']").inner_text() == str(progress["totals"][state]), state
    assert (progress["totals"]["adjudicated"], progress["totals"]["submitted"], progress["totals"]["unassigned"]) == (
        1, 2, 2)  # fmt: skip

    calibration = api_get(page, f"/api/projects/{slug}/calibration/")["readers"]
    assert cell_texts(page, "#calibration td[data-key='sensitivity']") == [
        f"{row['sensitivity']:.3f}" for row in calibration]  # fmt: skip
    assert cell_texts(page, "#calibration td[data-key='precision']") == [
        f"{row['precision']:.3f}" for row in calibration]  # fmt: skip
    assert {row["reader"] for row in calibration} == {"ann", "bob"}
    # Coverage: every reader read with its viewed fraction (none viewed here: all flagged below 50 %).
    coverage = page.locator("#coverage span[data-read]")
    assert coverage.count() == 6
    assert set(cell_texts(page, "#coverage span[data-read]")) == {"0.0 %"}


def test_lead_assigns_chosen_readers_then_balances_the_rest(live_server: Any, browser_page: Any, study: Study) -> None:
    page = browser_page
    open_dashboard(page, live_server.url, study)
    free = list(study.project.cases.filter(code__startswith="C-free").values_list("mosaics__id", flat=True))
    first, second = sorted(free)
    assert page.locator("#assign-mosaics input[data-mosaic]").count() == 2

    page.check(f"#assign-mosaics input[data-mosaic='{first}']")
    page.check("#assign-readers input[data-reader='ann']")
    page.check("#assign-readers input[data-reader='cid']")
    page.click("#assign-chosen")
    page.wait_for_selector(f"#assign-result li[data-assigned='{first}']")
    shown = page.inner_text(f"#assign-result li[data-assigned='{first}']")
    assert shown.startswith(f"#{first} → ") and set(shown.split(" → ")[1].split(", ")) == {"ann", "cid"}
    assert set(Read.objects.filter(mosaic_id=first).values_list("reader__username", flat=True)) == {"ann", "cid"}
    # The assigned mosaic left the list; the other one is still there.
    # Arrow functions, not bare expressions: Playwright evaluates the latter with eval, which the CSP refuses.
    page.wait_for_function(f"() => !document.querySelector(\"#assign-mosaics input[data-mosaic='{first}']\")")
    assert page.locator("#assign-mosaics input[data-mosaic]").count() == 1

    page.uncheck("#assign-readers input[data-reader='ann']")
    page.uncheck("#assign-readers input[data-reader='cid']")
    page.check("#assign-all")
    page.click("#assign-auto")
    page.wait_for_selector(f"#assign-result li[data-assigned='{second}']")
    assert Read.objects.filter(mosaic_id=second, kind=ReadKind.READER).count() == 2
    page.wait_for_selector("#assign-mosaics td.dash-muted")  # "Every ready mosaic has its readers."
    # The progress table follows: no mosaic left unassigned, the new reads counted as assigned.
    page.wait_for_function(
        "() => document.querySelector('#progress-centers tbody tr:last-child td[data-key=unassigned]').textContent === '0'"
    )
    progress = api_get(page, f"/api/projects/{study.project.slug}/progress/")
    for row in progress["by_reader"]:
        shown = page.locator("#progress-readers tbody tr", has_text=row["reader"]).locator("td[data-key='assigned']")
        assert shown.inner_text() == str(row["assigned"])


def test_lead_exports_a_label_set_and_sees_its_version_complete(
    live_server: Any, browser_page: Any, study: Study
) -> None:
    from annotations.models import LabelSet
    from annotations.services.labelsets import labelset_build

    page = browser_page
    open_dashboard(page, live_server.url, study)
    page.wait_for_selector("#labelsets td.dash-muted")  # "No label set exported yet."
    page.select_option("#labelset-policy", "union")
    page.click("#labelset-export")
    page.wait_for_selector("#labelsets td[data-key='version']")
    labelset = LabelSet.objects.get(project=study.project)
    assert page.inner_text("#labelsets td[data-key='version']") == f"v{labelset.version}"
    assert page.inner_text(f"#labelsets [data-labelset='{labelset.pk}']") == "building"
    assert labelset.policy == "union"
    # What the cpu worker does with it (run here: this test is about the page); the page polls until complete.
    labelset_build(labelset_id=labelset.pk)
    page.wait_for_selector(f"#labelsets [data-labelset='{labelset.pk}']:has-text('complete')", timeout=15_000)
    labelset.refresh_from_db()
    assert labelset.manifest_sha256[:12] in page.inner_text("#labelsets tbody tr")


def test_dashboard_shows_the_active_model_and_each_retraining_cycles_outcome(
    live_server: Any, browser_page: Any, study: Study
) -> None:
    from django.utils import timezone

    from annotations.models import LabelSet
    from inference.models import ModelStatus, RegisteredModel
    from training.models import CycleStatus, RetrainingCycle, TrainingRun, TrainingSettings

    project = study.project
    TrainingSettings.objects.create(project=project, retrain_enabled=True, min_new_reads=7)
    model = RegisteredModel.objects.create(
        project=project, name="tiny-active", kind="classifier", arch="resnet18", config={}, weights_path="w",
        config_path="c", weights_sha256="0" * 64, config_sha256="0" * 64, status=ModelStatus.ACTIVE,
    )  # fmt: skip
    labelset = LabelSet.objects.create(project=project, version=1, policy="consensus", status="complete")
    run = TrainingRun.objects.create(project=project, labelset=labelset, arch="resnet18", status="succeeded",
                                     gate={"promoted": False, "reason": "AUROC 0.61 below the active 0.70"})  # fmt: skip
    now = timezone.now()
    RetrainingCycle.objects.create(project=project, status=CycleStatus.SUCCEEDED, new_reads=9, labelset=labelset,
                                   run=run, outcome="snapshot v1, run 1: AUROC 0.61 below the active 0.70",
                                   finished_at=now)  # fmt: skip
    RetrainingCycle.objects.create(project=project, status=CycleStatus.FAILED, new_reads=8,
                                   outcome="snapshot v2 failed: no adjudicated mosaics", finished_at=now)  # fmt: skip

    page = browser_page
    open_dashboard(page, live_server.url, study)
    link = page.locator("#active-models a[data-model]")
    assert link.is_visible() and link.inner_text() == "tiny-active"
    assert link.get_attribute("href") == f"/models/{model.pk}/"
    assert "classifier" in page.inner_text("#active-models")
    assert "Retraining on" in page.inner_text("#retraining-policy") and "7 new read" in page.inner_text(
        "#retraining-policy"
    )
    # Newest cycle first: the failure with its reason, then the cycle whose gate kept the active model.
    assert cell_texts(page, "#retraining-cycles td[data-key='result']") == ["failed", "kept the active model"]
    rows = page.locator("#retraining-cycles tbody tr")
    assert rows.nth(0).is_visible() and "no adjudicated mosaics" in rows.nth(0).inner_text()
    assert "below the active 0.70" in rows.nth(1).inner_text()
    assert page.locator("#training-link").get_attribute("href") == f"/projects/{project.slug}/training/"
