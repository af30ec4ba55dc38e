"""The case page: the case's fields, its mosaics with their ingest and pre-annotation status, and the upload form.

Data comes from the same selectors as the API (an unseen case is a 404); the
upload itself goes through the chunked upload API from ``src/pages/case.ts``.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.access_matrix import matrix_page
from annotations.selectors import access
from inference.selectors.predictions import prediction_runs_for_page


@matrix_page
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    # The selector chooses the view: the reference fields for leads and contributors,
    # the reader-safe view (without them, only the reader's mosaics) for readers.
    visible = access.with_case_view(access.cases_visible_to(user=request.user), user=request.user)
    case = visible.select_related("project", "center").filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case")
    mosaics = list(case.mosaics.all())  # the caller's visible mosaics (with_case_view)
    for mosaic in mosaics:
        mosaic.case = case  # the protocol check reads the project
    # Each model's pre-annotation run, for those the protocol shows the AI layer to (a reader
    # mid-unaided-read sees none: not even a score may hint at the answer).
    runs = prediction_runs_for_page(user=request.user, mosaics=mosaics)
    for mosaic in mosaics:
        mosaic.ai_runs = runs[mosaic.pk]  # type: ignore[attr-defined]
    can_upload = access.can_contribute_to(user=request.user, project=case.project, center=case.center)
    page = {
        "caseId": case.pk,
        "canUpload": can_upload,
        "maxUploadBytes": settings.RCM_MAX_UPLOAD_BYTES,
    }
    return render(
        request,
        "annotations/case_detail.html",
        {"case": case, "mosaics": mosaics, "can_upload": can_upload, "page": page},
    )
