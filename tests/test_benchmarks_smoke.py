"""Every benchmark still runs: each one's ``--smoke`` run (tiny sizes, seconds) gives sane output.

The benchmarks measure; this only keeps them working, so that a refactor cannot
silently break them (their numbers at these sizes mean nothing). Each runs as its
own process, as a person would run it, with its own throwaway database: the run
id of this test session is not passed on, or a benchmark would clobber this
session's test database.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"(\d+(?:\.\d+)?)"


def run_smoke(script: str, env: dict[str, str] | None = None) -> str:
    """stdout and stderr of ``benchmarks/<script> --smoke``; fails the test on a non-zero exit."""
    base = {k: v for k, v in os.environ.items() if k not in ("RCM_TEST_RUN_ID", "RCM_TEST_WORKER", "RCM_MEDIA_ROOT")}
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--smoke"],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def test_ingest_benchmark_smoke_run_times_ingest_against_the_bare_save() -> None:
    output = run_smoke("ingest_benchmark.py")
    rows = re.findall(rf"^\| (.+?) \| {NUMBER} \| {NUMBER}x \|$", output, re.M)
    assert [label.split(" ")[0] for label, _, _ in rows] == ["bare", "bare,", "bare,", "**ingest**", "**ingest"], output
    assert "pre-rendered tiles:" in output  # the ingest that also writes every Deep Zoom tile
    assert float(rows[0][2]) == 1.0  # the reference is its own unit
    ratio = re.search(rf"ingest / bare with the same compression: {NUMBER}x", output)
    assert ratio and float(ratio.group(1)) > 0, output
    assert "256 x 256" in output


def test_reading_benchmark_smoke_run_measures_viewports_and_autosave() -> None:
    output = run_smoke("reading_benchmark.py")
    assert "built 20 regions of 16 vertices" in output
    medians = dict(re.findall(rf"^(\S.*?)\s+median\s+{NUMBER} ms", output, re.M))
    for measure in ("reference: GET /api/vocabulary/", "GET regions, 1:1 viewport 1920x1080",
                    "PATCH a region (autosave) of the 20-region read",
                    "POST a stroke merged into a region of the 20-region read"):  # fmt: skip
        assert float(medians[measure]) > 0, output
    # The whole mosaic's viewport returns every region the benchmark made.
    assert re.search(r"GET regions, whole mosaic \(all regions\), full geometry .*\(20 regions", output), output


@pytest.mark.browser
def test_workspace_benchmark_smoke_run_draws_the_regions_in_chromium() -> None:
    output = run_smoke("workspace_benchmark.py")
    first_paint = re.search(rf"first paint: navigation -> regions drawn \(median\)\s+{NUMBER} ms\s+{NUMBER} ms", output)
    assert first_paint and float(first_paint.group(1)) > 0 and float(first_paint.group(2)) > 0, output
    full_read = re.search(rf"full read usable: navigation -> all full detail\s+{NUMBER} ms\s+{NUMBER} ms", output)
    assert full_read and float(full_read.group(2)) >= float(first_paint.group(2)), output
    assert "120 regions" in output
    # The smoke read is large enough to open with outlines and stream the full detail.
    fetched = re.search(
        rf"region JSON fetched: {NUMBER} requests, outlines {NUMBER} MB, full detail {NUMBER} MB", output
    )
    assert fetched and float(fetched.group(1)) >= 2 and float(fetched.group(2)) > 0, output
    assert float(fetched.group(3)) > float(fetched.group(2)), output
    drawn = re.search(rf"overlay draw per frame at fit: .* regions drawn median {NUMBER}", output)
    assert drawn and float(drawn.group(1)) == 120, output  # at fit every region is in view
    assert re.search(r"goals: first paint .* pan frame time ratio", output), output


def test_tiles_benchmark_smoke_run_times_every_tile_path_in_process() -> None:
    # A non-zero exit (checked by run_smoke) already means a refused tile, or a pre-rendered tile
    # that differs from the rendered one.
    output = run_smoke("tiles_benchmark.py")
    rows = dict(re.findall(rf"^  (.+?)\s+p50\s+{NUMBER} ms", output, re.M))
    for path in ("pre-rendered, cold", "pre-rendered, warm", "rendered, cold", "rendered, warm"):
        assert float(rows[path]) > 0, output
    assert any(name.startswith("reference: large_image") for name in rows), output


def test_agreement_benchmark_smoke_run_compares_agreement_with_rasterising_alone() -> None:
    output = run_smoke("agreement_benchmark.py")
    rows = dict(re.findall(rf"^(reference|agreement|pixel_sweep|hd95)\s+{NUMBER}\s+", output, re.M))
    assert set(rows) == {"reference", "agreement", "pixel_sweep", "hd95"}, output
    assert all(float(seconds) > 0 for seconds in rows.values())
    assert re.search(r'^agreement row: \{"dice": 0\.\d+', output, re.M), output


def test_load_benchmark_smoke_run_pans_and_autosaves_under_production_settings_without_errors() -> None:
    output = run_smoke("load_benchmark.py")
    row = re.search(rf"^main .*\| tile +(\d+) req .*p50 +{NUMBER} ms p99 +{NUMBER} ms errors (\d+) \| "
                    rf"autosave +(\d+) req .*p50 +{NUMBER} ms p99 +{NUMBER} ms errors (\d+)$", output, re.M)  # fmt: skip
    assert row, output
    tiles, tile_p50, _, tile_errors, saves, save_p50, _, save_errors = row.groups()
    assert int(tiles) > 0 and int(saves) > 0 and float(tile_p50) > 0 and float(save_p50) > 0, output
    assert (tile_errors, save_errors) == ("0", "0"), output
    assert "production settings" in output


def test_ml_inference_benchmark_smoke_run_compares_the_sliding_window_with_the_bare_model() -> None:
    output = run_smoke("ml_inference_benchmark.py")
    rows = dict(
        re.findall(
            rf"^\| (bare forward on random tensors \(reference\)|sliding window from the pyramid) \| {NUMBER} \|$",
            output,
            re.M,
        )
    )
    assert len(rows) == 2 and all(float(value) > 0 for value in rows.values()), output
    assert re.search(rf"ratio sliding / bare, median of the rounds' ratios: {NUMBER}", output), output
    assert re.search(rf"peak RSS {NUMBER} MB", output), output


def test_ml_training_benchmark_smoke_run_compares_real_tiles_with_random_tensors() -> None:
    output = run_smoke("ml_training_benchmark.py")
    rows = re.findall(rf"^\| (random tensors.*?|real tiles.*?) \| {NUMBER} \|$", output, re.M)
    assert len(rows) == 2 and all(float(value) > 0 for _, value in rows), output
    assert re.search(rf"ratio real / random, median of the rounds' ratios: {NUMBER}", output), output
