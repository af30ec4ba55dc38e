"""The base of the lead's endpoints (agreement, adjudication, label sets, dashboard): managed or 404.

A project or mosaic the caller does not lead or administer does not exist for
it: the same 404 as a missing one, and no body that says otherwise. Views stay
thin: parse with a strict serializer, call one selector or service.
"""

from typing import Any

from django.http import Http404
from rest_framework.views import APIView

from annotations.access_matrix import MatrixPermission
from annotations.models import Mosaic, Project
from annotations.selectors.agreement import mosaic_managed, project_managed
from users.models import User

from .auth import authenticated_user
from .parsers import SafeJSONParser


class LeadView(APIView):
    # (A comment, not a docstring: drf-spectacular would give it to every operation.)
    parser_classes = [SafeJSONParser]
    permission_classes = [MatrixPermission]

    def managed_project(self, slug: str) -> Project:
        project = project_managed(user=self.request.user, slug=slug)
        if project is None:
            raise Http404("no such project")
        return project

    def managed_mosaic(self, mosaic_id: int) -> Mosaic:
        mosaic = mosaic_managed(user=self.request.user, mosaic_id=mosaic_id)
        if mosaic is None:
            raise Http404("no such mosaic")
        return mosaic

    def caller(self) -> User:
        return authenticated_user(self.request)

    @staticmethod
    def parse(serializer_class: type, data: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
