"""Reading pages: the reader's worklist (/worklist/) and the workspace (/reads/{id}/).

Both start from ``annotations.selectors.reads``, like the API: a read the user may
not see is a 404, so a blind peer's read does not exist here either. The workspace
hands the page its starting data (mosaic size and pixel size, DZI URL, whether it
may edit, API URLs) in one ``json_script`` tag; everything else comes from the API.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotations.models import MosaicStatus, Read, ReadStatus
from annotations.selectors import access
from annotations.selectors import reads as read_selectors
from annotations.tiles.signing import dzi_url
from annotations.tiles.source import PyramidMissing, open_mosaic


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    reads = list(read_selectors.worklist_for(user=request.user).annotate(region_count=Count("regions")))
    groups = [
        (status.value, status.label, [read for read in reads if read.status == status])
        for status in (ReadStatus.ASSIGNED, ReadStatus.IN_PROGRESS, ReadStatus.SUBMITTED)
    ]
    next_read = read_selectors.next_read_for(user=request.user)
    return render(request, "annotations/worklist.html", {"groups": groups, "next_read": next_read})


def _mosaic_info(read: Read) -> tuple[dict[str, Any] | None, str]:
    mosaic = read.mosaic
    if mosaic.status != MosaicStatus.READY:
        return None, f"This mosaic is not ready yet (status: {mosaic.get_status_display()})."
    try:
        source = open_mosaic(mosaic)
    except PyramidMissing:
        return None, "This mosaic's pyramid file is missing; ask a lead to re-ingest it."
    info = {
        "id": mosaic.pk,
        "width": source.width,
        "height": source.height,
        "umPerPx": mosaic.um_per_px or mosaic.case.project.default_um_per_px or 0.5,
        "dziUrl": dzi_url(mosaic_id=mosaic.pk, version=source.version),
    }
    return info, ""


@login_required
def workspace(request: HttpRequest, read_id: int) -> HttpResponse:
    read = (
        read_selectors.reads_visible_to(user=request.user)
        .select_related("mosaic__case__project", "reader")
        .filter(pk=read_id)
        .first()
    )
    if read is None:
        raise Http404("No such read")
    info, problem = _mosaic_info(read)
    bootstrap = None
    if info is not None:
        next_read = read_selectors.next_read_for(user=request.user, after=read)
        bootstrap = {
            "readId": read.pk,
            "mosaic": info,
            "canEdit": read.reader_id == request.user.pk and read.status != ReadStatus.SUBMITTED,
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
        }
    return render(
        request,
        "annotations/workspace.html",
        {"read": read, "bootstrap": bootstrap, "problem": problem},
        status=200 if bootstrap else 409,
    )
