"""Regions at any scale (for models and exports) and thumbnails."""

import io

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image

from .conftest import TileWorld


def _png(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return np.asarray(image.convert("L"))


def test_region_at_full_scale_is_exactly_the_source_pixels(tile_world: TileWorld) -> None:
    url = f"/api/mosaics/{tile_world.mosaic.pk}/region?left=300&top=200&width=400&height=300&scale=1"
    response = tile_world.client("reader").get(url)
    assert response["Content-Type"] == "image/png"
    np.testing.assert_array_equal(_png(response.content), tile_world.pixels[200:500, 300:700])


def test_region_at_half_scale_is_the_mean_of_the_source(tile_world: TileWorld) -> None:
    url = f"/api/mosaics/{tile_world.mosaic.pk}/region?left=512&top=256&width=512&height=256&scale=0.5"
    pixels = _png(tile_world.client("reader").get(url).content)
    assert pixels.shape == (128, 256)
    expected = tile_world.pixels[256:512, 512:1024].astype(float).reshape(128, 2, 256, 2).mean(axis=(1, 3))
    assert np.abs(pixels - expected).mean() < 1.5


def test_region_at_an_arbitrary_scale_has_the_rounded_size(tile_world: TileWorld) -> None:
    url = f"/api/mosaics/{tile_world.mosaic.pk}/region?left=0&top=0&width=1000&height=700&scale=0.3"
    assert _png(tile_world.client("reader").get(url).content).shape == (210, 300)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("left=0&top=0&width=10", "height"),
        ("left=a&top=0&width=10&height=10", "left"),
        ("left=-1&top=0&width=10&height=10", "left"),
        ("left=0&top=0&width=0&height=10", "width"),
        ("left=1400&top=0&width=200&height=10", "width"),
        ("left=0&top=1100&width=10&height=200", "height"),
        ("left=0&top=0&width=10&height=10&scale=0", "scale"),
        ("left=0&top=0&width=10&height=10&scale=2", "scale"),
        ("left=0&top=0&width=10&height=10&scale=x", "scale"),
        ("left=0&top=0&width=10&height=10&format=gif", "format"),
    ],
)
def test_bad_region_parameters_answer_400_naming_the_field(tile_world: TileWorld, query: str, field: str) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/region?{query}")
    assert response.status_code == 400
    assert field in response.json()


@override_settings(RCM_TILE_REGION_MAX_PIXELS=120_000)
def test_region_larger_than_the_limit_answers_400_and_suggests_a_lower_scale(tile_world: TileWorld) -> None:
    base = f"/api/mosaics/{tile_world.mosaic.pk}/region?left=0&top=0&width=1500&height=1200"
    response = tile_world.client("reader").get(f"{base}&scale=1")
    assert response.status_code == 400
    assert "lower the scale" in response.json()["scale"][0]
    assert tile_world.client("reader").get(f"{base}&scale=0.25").status_code == 200


def test_thumbnail_fits_the_requested_size_and_keeps_the_aspect(tile_world: TileWorld) -> None:
    pixels = _png(tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/thumbnail?size=300").content)
    assert pixels.shape == (240, 300)


def test_thumbnail_size_is_limited(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/api/mosaics/{tile_world.mosaic.pk}/thumbnail?size=5000")
    assert response.status_code == 400
    assert "size" in response.json()
