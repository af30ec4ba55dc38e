"""The mosaic viewer page (/mosaics/{id}/): OpenSeadragon over the mosaic's DZI.

Shows only what a blind reader may see (case code, size, pixel size; never the
diagnosis). The mosaic's numbers and its DZI URL (signed for the nginx fast path
when configured) reach the script in a ``json_script`` tag.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import MosaicStatus
from annotations.selectors import access
from annotations.tiles.signing import dzi_url
from annotations.tiles.source import PyramidMissing, open_mosaic


@login_required
def mosaic_viewer(request: HttpRequest, mosaic_id: int) -> HttpResponse:
    mosaic = access.mosaics_visible_to(user=request.user).select_related("case").filter(pk=mosaic_id).first()
    if mosaic is None:
        raise Http404("No such mosaic")
    info = None
    problem = ""
    if mosaic.status != MosaicStatus.READY:
        problem = f"This mosaic is not ready yet (status: {mosaic.get_status_display()}). {mosaic.failure_reason}"
    else:
        try:
            source = open_mosaic(mosaic)
        except PyramidMissing:
            problem = "This mosaic's pyramid file is missing; ask a lead to re-ingest it."
        else:
            info = {
                "id": mosaic.pk,
                "width": source.width,
                "height": source.height,
                "umPerPx": mosaic.um_per_px or 0.5,
                "dziUrl": dzi_url(mosaic_id=mosaic.pk, version=source.version),
            }
    return render(
        request,
        "annotations/mosaic_viewer.html",
        {"mosaic": mosaic, "info": info, "problem": problem.strip()},
        status=200 if info else 409,
    )
