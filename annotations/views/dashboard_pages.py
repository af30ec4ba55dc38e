"""The lead's dashboard page (/projects/{slug}/dashboard/): progress, assignment, agreement, calibration, coverage, label sets, models.

Leads and admins of the project only; for anyone else the project does not
exist (404, like the API). The page is a shell: its script fetches every number
from the lead's API (``annotations.api.lead_urls``), so what it shows is what the
API answers. The API URLs reach the script in one ``json_script`` tag (no inline
scripts: the pages run under a Content-Security-Policy).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotations.access_matrix import matrix_page
from annotations.selectors.agreement import project_managed


@matrix_page
def project_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_managed(user=request.user, slug=slug)
    if project is None:
        raise Http404("No such project")
    bootstrap = {
        "project": project.slug,
        "minViewedFraction": project.min_viewed_fraction,
        "urls": {
            "progress": reverse("project-progress", args=[slug]),
            "assignment": reverse("project-assignment", args=[slug]),
            "agreement": reverse("project-agreement", args=[slug]),
            "calibration": reverse("project-calibration", args=[slug]),
            "labelsets": reverse("project-labelsets", args=[slug]),
            "retraining": reverse("project-retraining", args=[slug]),
            "trainingPage": reverse("project-training", args=[slug]),
            "reads": reverse("read-list"),
            # Prefixes the page appends an id to: /mosaics/{id}/, /reads/{id}/, /api/labelsets/{id}/.
            "mosaicPage": reverse("mosaic-viewer", args=[0]).removesuffix("0/"),
            "readPage": reverse("workspace", args=[0]).removesuffix("0/"),
            "labelsetBase": reverse("labelset-detail", args=[0]).removesuffix("0/"),
            "modelPage": reverse("model-detail", args=[0]).removesuffix("0/"),
        },
    }
    return render(request, "annotations/dashboard.html", {"project": project, "bootstrap": bootstrap})
