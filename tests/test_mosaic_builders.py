"""The test helper that builds ready mosaics writes a real, readable pyramid."""

import large_image
import pytest

from annotations.storage import media_path
from tests.mosaic_builders import ready_mosaic, textured_gray


@pytest.mark.django_db
def test_ready_mosaic_has_a_tiled_pyramid_large_image_can_open() -> None:
    pixels = textured_gray(900, 700, seed=3)
    mosaic = ready_mosaic(pixels)
    source = large_image.open(str(media_path(mosaic.pyramid_path)))
    metadata = source.getMetadata()
    assert (metadata["sizeX"], metadata["sizeY"]) == (900, 700)
    assert metadata["levels"] >= 2
    assert media_path(mosaic.thumbnail_path).stat().st_size > 0
