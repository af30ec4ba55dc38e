"""Pages: project list and case list. Data comes from the same selectors as the API."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.access_matrix import matrix_page
from annotations.selectors import access


@matrix_page
def project_list(request: HttpRequest) -> HttpResponse:
    projects = access.projects_visible_to(user=request.user).prefetch_related("centers")
    rows = [(project, access.role_in_project(user=request.user, project=project)) for project in projects]
    return render(request, "annotations/project_list.html", {"rows": rows})


@matrix_page
def case_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = access.projects_visible_to(user=request.user).filter(slug=slug).first()
    if project is None:
        raise Http404("No such project")
    # The view of each case (reference or reader-safe, its visible mosaics) is the selector's.
    cases = list(
        access.with_case_view(access.cases_visible_to(user=request.user), user=request.user)
        .filter(project=project)
        .select_related("center")
    )
    return render(
        request,
        "annotations/case_list.html",
        {
            "project": project,
            "cases": cases,
            "show_reference": any(getattr(case, "reference_visible", False) for case in cases),
            "role": access.role_in_project(user=request.user, project=project),
            "can_manage": access.can_manage_project(user=request.user, project=project),
        },
    )
