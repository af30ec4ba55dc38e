"""Reading pages: the reader's worklist (/worklist/) and the workspace (/reads/{id}/).

Both start from ``annotations.selectors.reads``, like the API: a read the user may
not see is a 404, so a blind peer's read does not exist here either. The workspace
hands the page its starting data (the mosaic as ``mosaic_info`` describes it for
every page, whether it may edit, API URLs) in one ``json_script`` tag; everything
else comes from the API.
"""

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotations.access_matrix import matrix_page
from annotations.models import Read, ReadStatus
from annotations.selectors import access
from annotations.selectors import reads as read_selectors
from audit.services import audit_mosaic_opened

from .mosaic_info import mosaic_info


def ai_layer_bootstrap(read: Read) -> dict[str, Any]:
    """What the workspace's AI layer (frontend/src/workspace/ai/) needs: the protocol and its URLs.

    The protocol here only decides what the page offers; the API enforces it
    (``inference.selectors.predictions``), so a page that asks anyway gets a 403.
    """
    mosaic_id = read.mosaic_id
    return {
        "protocol": read.mosaic.case.project.ai_protocol,
        "predictions": reverse("mosaic-predictions", args=[mosaic_id]),
        "suggestions": reverse("mosaic-suggestions", args=[mosaic_id]),
        "heatmap": reverse("mosaic-heatmap", args=[mosaic_id]),
        "aided": reverse("read-aided", args=[read.pk]),
        "area": reverse("read-suggestions-area", args=[read.pk]),
        # /api/reads/{read}/suggestions/{id}/accept/ etc.: the page appends "{id}/accept/".
        "decisionBase": reverse("read-suggestions-area", args=[read.pk]).removesuffix("area/"),
        "workspaceBase": reverse("workspace", args=[0]).removesuffix("0/"),
    }


@matrix_page
def worklist(request: HttpRequest) -> HttpResponse:
    reads = list(read_selectors.worklist_for(user=request.user).annotate(region_count=Count("regions")))
    groups = [
        (status.value, status.label, [read for read in reads if read.status == status])
        for status in (ReadStatus.ASSIGNED, ReadStatus.IN_PROGRESS, ReadStatus.SUBMITTED)
    ]
    next_read = read_selectors.next_read_for(user=request.user)
    return render(request, "annotations/worklist.html", {"groups": groups, "next_read": next_read})


def _opening_requests(bootstrap: dict[str, Any] | None) -> list[str]:
    """The API calls the page makes before its first paint (``src/workspace/page/session.ts``), exactly as it
    makes them: the browser starts them while it parses the HTML, instead of after the scripts have been
    fetched and run (~0.3 s here; for a large read, the outlines' download then overlaps the scripts)."""
    if bootstrap is None:
        return []
    urls = bootstrap["urls"]
    return [urls["vocabulary"], urls["read"], f"{urls['regions']}?outline=true"]


@matrix_page
def workspace(request: HttpRequest, read_id: int) -> HttpResponse:
    read = read_selectors.read_for(user=request.user, read_id=read_id)
    if read is None:
        raise Http404("No such read")
    info, problem = mosaic_info(read.mosaic)
    audit_mosaic_opened(mosaic_id=read.mosaic_id, by=request.user, via=f"workspace read {read.pk}")
    bootstrap = None
    if info is not None:
        next_read = read_selectors.next_read_for(user=request.user, after=read)
        bootstrap = {
            "readId": read.pk,
            "mosaic": info,
            "canEdit": read_selectors.read_editable_by(read=read, user=request.user),
            "isLead": access.can_manage_project(user=request.user, project=read.mosaic.case.project),
            "caseCode": read.mosaic.case.code,
            "urls": {
                "vocabulary": reverse("vocabulary"),
                "read": reverse("read-detail", args=[read.pk]),
                "regions": reverse("read-regions", args=[read.pk]),
                "erase": reverse("read-erase", args=[read.pk]),
                "submit": reverse("read-submit", args=[read.pk]),
                "mosaicReads": reverse("mosaic-reads", args=[read.mosaic_id]),
                # Prefixes the page appends an id to: /api/regions/{id}/, /api/reads/{id}/.
                "regionBase": reverse("region-detail", args=[0]).removesuffix("0/"),
                "readBase": reverse("read-list"),
                "worklist": reverse("worklist"),
                "nextRead": reverse("workspace", args=[next_read.pk]) if next_read else None,
            },
            "ai": ai_layer_bootstrap(read),
        }
    return render(
        request,
        "annotations/workspace.html",
        {"read": read, "bootstrap": bootstrap, "problem": problem, "preload": _opening_requests(bootstrap)},
        status=200 if bootstrap else 409,
    )
