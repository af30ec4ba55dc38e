"""Synthetic demo mosaics: RCM-like texture, ground truth that matches, loadable into a project."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw

from annotations.demo.synthetic import generate
from annotations.models import Mosaic, MosaicStatus
from annotations.storage import media_path
from tests.factories import CenterFactory, ProjectFactory


def test_ground_truth_regions_and_mask_agree() -> None:
    mosaic = generate(1200, 900, seed=4)
    drawn = Image.new("L", (1200, 900), 0)
    for feature in mosaic.geojson()["features"]:
        ImageDraw.Draw(drawn).polygon([tuple(p) for p in feature["geometry"]["coordinates"][0]], fill=255)
    assert np.array_equal(np.asarray(drawn) > 0, mosaic.mask)
    assert 0 < mosaic.suspicious_fraction < 0.5


def test_texture_is_grey_8bit_with_cells_not_noise() -> None:
    pixels = generate(1000, 1000, seed=1).pixels.astype(np.float32)
    assert pixels.dtype == np.float32 and 40 < pixels.mean() < 160 and pixels.std() > 20
    # Cells make the image correlated over a few pixels, unlike white noise.
    row = pixels[500] - pixels[500].mean()
    correlation = float(np.dot(row[:-3], row[3:]) / np.dot(row, row))
    assert correlation > 0.15


def test_suspicious_regions_differ_from_the_background() -> None:
    mosaic = generate(2000, 2000, seed=3)
    bright_inside = (mosaic.pixels[mosaic.mask] > 200).mean()
    bright_outside = (mosaic.pixels[~mosaic.mask] > 200).mean()
    assert bright_inside > 1.5 * bright_outside, "bright dendritic and roundish cells gather in the regions"


def test_same_seed_same_mosaic() -> None:
    assert np.array_equal(generate(300, 200, seed=9).pixels, generate(300, 200, seed=9).pixels)


def test_out_writes_image_mask_and_geojson(tmp_path: Path) -> None:
    call_command("make_demo_mosaics", "--out", str(tmp_path), "--count", "2", "--width", "600", "--height", "500",
                 stdout=io.StringIO(), verbosity=0)  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "synthetic-000.mask.png", "synthetic-000.regions.geojson", "synthetic-000.tif",
        "synthetic-001.mask.png", "synthetic-001.regions.geojson", "synthetic-001.tif",
    ]  # fmt: skip
    assert json.loads((tmp_path / "synthetic-000.regions.geojson").read_text())["type"] == "FeatureCollection"


@pytest.mark.django_db
def test_project_gets_ready_mosaics_with_ground_truth_once() -> None:
    project, center = ProjectFactory(slug="demo-x"), CenterFactory(code="NAP")
    project.centers.add(center)
    argv = [
        "make_demo_mosaics",
        "--project",
        "demo-x",
        "--count",
        "2",
        "--width",
        "700",
        "--height",
        "600",
        "--if-empty",
    ]
    call_command(*argv, stdout=io.StringIO(), verbosity=0)
    call_command(*argv, stdout=io.StringIO(), verbosity=0)
    mosaics = list(Mosaic.objects.filter(case__project=project))
    assert len(mosaics) == 2 and {m.status for m in mosaics} == {MosaicStatus.READY}
    truth = mosaics[0].source_info["ground_truth"]
    assert media_path(truth["mask"]).is_file() and media_path(truth["regions"]).is_file()
    assert mosaics[0].um_per_px == pytest.approx(0.5)
