"""The mosaic viewer page (/mosaics/{id}/): OpenSeadragon over the mosaic's DZI.

Shows only what a blind reader may see (case code, size, pixel size; never the
diagnosis). The mosaic's numbers and its DZI URL reach the script in a
``json_script`` tag, built by ``mosaic_info`` (shared with the workspace).
A lead or admin of the project also gets the disagreement map's panel: its data
comes from the lead's API (``/api/mosaics/{id}/agreement/``), 404 for anyone else.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotations.access_matrix import matrix_page
from annotations.selectors import access
from audit.services import audit_mosaic_opened

from .mosaic_info import mosaic_info


@matrix_page
def mosaic_viewer(request: HttpRequest, mosaic_id: int) -> HttpResponse:
    mosaic = access.mosaics_visible_to(user=request.user).select_related("case__project").filter(pk=mosaic_id).first()
    if mosaic is None:
        raise Http404("No such mosaic")
    info, problem = mosaic_info(mosaic)
    audit_mosaic_opened(mosaic_id=mosaic.pk, by=request.user, via="viewer")
    can_manage = access.can_manage_project(user=request.user, project=mosaic.case.project)
    lead_urls = None
    if can_manage:
        lead_urls = {
            "agreement": reverse("mosaic-agreement", args=[mosaic.pk]),
            "consensus": reverse("mosaic-consensus", args=[mosaic.pk]),
            "third_reader": reverse("mosaic-third-reader", args=[mosaic.pk]),
            "assignment": reverse("project-assignment", args=[mosaic.case.project.slug]),
            "read_page": reverse("workspace", args=[0]).removesuffix("0/"),
        }
    return render(
        request,
        "annotations/mosaic_viewer.html",
        {"mosaic": mosaic, "info": info, "problem": problem, "lead_urls": lead_urls},
        status=200 if info else 409,
    )
