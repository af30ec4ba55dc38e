"""Pages: project list and case list. Data comes from the same selectors as the API."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.selectors import access


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = access.projects_visible_to(user=request.user).prefetch_related("centers")
    rows = [(project, access.role_in_project(user=request.user, project=project)) for project in projects]
    return render(request, "annotations/project_list.html", {"rows": rows})


@login_required
def case_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = access.projects_visible_to(user=request.user).filter(slug=slug).first()
    if project is None:
        raise Http404("No such project")
    cases = (
        access.cases_visible_to(user=request.user)
        .filter(project=project)
        .select_related("center")
        .prefetch_related("mosaics")
    )
    return render(
        request,
        "annotations/case_list.html",
        {
            "project": project,
            "cases": cases,
            "role": access.role_in_project(user=request.user, project=project),
        },
    )
