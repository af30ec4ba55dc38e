"""What a page hands its script about a mosaic (the frontend's ``MosaicInfo``), or why it cannot.

The viewer page and the reader's workspace show the same mosaic the same way, so
they share this one definition: size from the pyramid itself, pixel size from
``mosaic_um_per_px`` (the mosaic's own, else its project's default), and the DZI
URL (signed for the nginx fast path when configured).

Readers get this block too, so it carries no identifying text: never the mosaic's
original file name (it can carry a patient's name) nor its checksum (issue 11).
"""

from typing import Any

from annotations.models import Mosaic, MosaicStatus
from annotations.selectors.mosaics import mosaic_um_per_px
from annotations.tiles.signing import dzi_url
from annotations.tiles.source import PyramidMissing, open_mosaic


def mosaic_info(mosaic: Mosaic) -> tuple[dict[str, Any] | None, str]:
    """``(info, "")`` for a ready mosaic, else ``(None, a sentence for the page)``.

    Needs ``mosaic.case.project`` loaded (the pixel size may be the project's).
    """
    if mosaic.status != MosaicStatus.READY:
        problem = f"This mosaic is not ready yet (status: {mosaic.get_status_display()}). {mosaic.failure_reason}"
        return None, problem.strip()
    try:
        source = open_mosaic(mosaic)
    except PyramidMissing:
        return None, "This mosaic's pyramid file is missing; ask a lead to re-ingest it."
    info = {
        "id": mosaic.pk,
        "width": source.width,
        "height": source.height,
        "umPerPx": mosaic_um_per_px(mosaic=mosaic),
        "dziUrl": dzi_url(mosaic_id=mosaic.pk, version=source.version),
    }
    return info, ""
