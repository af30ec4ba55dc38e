"""The mosaic viewer page: who may open it and what it hands to the script."""

import io
import json
import re
from typing import Any

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image

from annotations.models import MosaicStatus
from tests.conftest import log_in
from tests.factories import MosaicFactory

from .conftest import TileWorld, build_tile_world, prerender


def _mosaic_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="mosaic-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "json_script tag missing"
    return dict(json.loads(match.group(1)))


def test_assigned_reader_gets_the_viewer_with_the_mosaic_numbers(tile_world: TileWorld) -> None:
    response = tile_world.client("reader").get(f"/mosaics/{tile_world.mosaic.pk}/")
    assert response.status_code == 200
    data = _mosaic_data(response.content.decode())
    assert data == {
        "id": tile_world.mosaic.pk, "width": 1500, "height": 1200, "umPerPx": 0.5,
        "dziUrl": f"/api/mosaics/{tile_world.mosaic.pk}/dzi.dzi",
    }  # fmt: skip


def test_viewer_page_does_not_show_the_diagnosis_to_a_blind_reader(tile_world: TileWorld) -> None:
    html = tile_world.client("reader").get(f"/mosaics/{tile_world.mosaic.pk}/").content.decode()
    assert tile_world.mosaic.case.get_diagnosis_display() not in html


@pytest.mark.parametrize("who", ["unassigned_reader", "outsider"])
def test_viewer_page_of_an_invisible_mosaic_is_404(tile_world: TileWorld, who: str) -> None:
    assert tile_world.client(who).get(f"/mosaics/{tile_world.mosaic.pk}/").status_code == 404


def test_viewer_page_sends_anonymous_users_to_log_in(tile_world: TileWorld) -> None:
    response = tile_world.client("anonymous").get(f"/mosaics/{tile_world.mosaic.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_viewer_page_of_a_mosaic_in_ingest_says_so(tile_world: TileWorld) -> None:
    processing = MosaicFactory(case=tile_world.mosaic.case, status=MosaicStatus.PROCESSING)
    response = tile_world.client("lead").get(f"/mosaics/{processing.pk}/")
    assert response.status_code == 409
    assert "not ready" in response.content.decode()


@override_settings(RCM_TILE_URL_SECRET="page-secret")
def test_viewer_page_hands_out_the_plain_descriptor_url_even_with_the_nginx_path_on(tile_world: TileWorld) -> None:
    # The session-bound tiles URL is in the descriptor itself (test_tile_urls.py), not in the page.
    data = _mosaic_data(tile_world.client("reader").get(f"/mosaics/{tile_world.mosaic.pk}/").content.decode())
    assert data["dziUrl"] == f"/api/mosaics/{tile_world.mosaic.pk}/dzi.dzi"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_opens_the_viewer_and_tiles_load(live_server: Any, browser_page: Any) -> None:
    world = build_tile_world(reader_username="viewer-reader")
    failed: list[str] = []
    browser_page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    log_in(browser_page, live_server.url, "viewer-reader")
    browser_page.goto(f"{live_server.url}/mosaics/{world.mosaic.pk}/")
    browser_page.wait_for_function(
        "() => document.getElementById('mosaic-viewer').dataset.fullyLoaded === 'true'", timeout=30_000
    )
    loaded = int(browser_page.get_attribute("#mosaic-viewer", "data-tiles-loaded"))
    assert loaded > 0
    assert failed == []
    assert re.fullmatch(r"[\d.]+ (µm|mm)", browser_page.inner_text("[data-testid=scale-bar]").strip())
    # WebGL only where a GPU draws it: this machine's Chromium has SwiftShader (software) WebGL, so a 2D canvas.
    renderer = browser_page.evaluate(
        "() => { const gl = document.createElement('canvas').getContext('webgl');"
        " const info = gl && gl.getExtension('WEBGL_debug_renderer_info');"
        " return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : ''; }"
    )
    drawers = browser_page.evaluate("[window.rcmViewer.drawer.getType(), window.rcmViewer.navigator.drawer.getType()]")
    assert drawers == ["canvas" if "SwiftShader" in renderer else "webgl"] * 2, renderer
    # 1:1 zoom and a grey preset from the keyboard.
    browser_page.click("#mosaic-viewer")
    browser_page.keyboard.press("1")
    browser_page.keyboard.press("g")
    browser_page.wait_for_function("() => document.getElementById('mosaic-viewer').dataset.preset === 'dark'")
    image_zoom = browser_page.evaluate(
        "window.rcmViewer.viewport.viewportToImageZoom(window.rcmViewer.viewport.getZoom(false))"
    )
    assert image_zoom == pytest.approx(1.0, rel=0.02)
    browser_page.wait_for_function(
        "() => document.getElementById('mosaic-viewer').dataset.fullyLoaded === 'true'", timeout=30_000
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_viewer_loads_pre_rendered_tiles_through_the_session_bound_tiles_url(
    live_server: Any, browser_page: Any, settings: Any
) -> None:
    settings.RCM_TILE_URL_SECRET = "browser-test-secret"
    world = build_tile_world(reader_username="granted-reader")
    prerender(world.mosaic)
    tile_urls: list[str] = []
    browser_page.on("request", lambda r: tile_urls.append(r.url) if r.url.endswith(".jpeg") else None)
    log_in(browser_page, live_server.url, "granted-reader")
    browser_page.goto(f"{live_server.url}/mosaics/{world.mosaic.pk}/")
    browser_page.wait_for_function(
        "() => document.getElementById('mosaic-viewer').dataset.fullyLoaded === 'true'", timeout=30_000
    )
    reader = world.users["reader"].pk
    assert tile_urls
    assert all(f"/api/mosaics/{world.mosaic.pk}/tiles/{reader}/" in url for url in tile_urls), tile_urls[:3]
    shot = np.asarray(Image.open(io.BytesIO(browser_page.locator("#mosaic-viewer").screenshot())).convert("L"))
    assert shot.std() > 10  # the mosaic's texture is on screen, not a blank canvas
