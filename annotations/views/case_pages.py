"""The case page: the case's fields, its mosaics with their ingest status, and the upload form.

Data comes from the same selectors as the API (an unseen case is a 404); the
upload itself goes through the chunked upload API from ``src/pages/case.ts``.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.selectors import access


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access.cases_visible_to(user=request.user).select_related("project", "center").filter(pk=case_id).first()
    if case is None:
        raise Http404("No such case")
    mosaics = access.mosaics_visible_to(user=request.user).filter(case=case).order_by("created_at", "pk")
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
