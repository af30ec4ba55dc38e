"""API views for centers, projects, cases and mosaics: thin, scoped, 404 for the unseen.

Each view parses with a serializer, asks a selector for what the caller may see,
and hands writes to a service.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from annotations.models import Case, Center, Mosaic, Project
from annotations.selectors import access
from annotations.services import cases as case_services
from annotations.services.cleanup import case_delete

from .auth import authenticated_user
from .filters import CaseFilter, MosaicFilter
from .serializers import CaseSerializer, CenterSerializer, MosaicSerializer, ProjectSerializer


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_staff)


class CenterViewSet(viewsets.ModelViewSet[Center]):
    serializer_class = CenterSerializer
    permission_classes = [permissions.IsAuthenticated, IsStaffOrReadOnly]
    filterset_fields = ["code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Center]:
        return access.centers_visible_to(user=self.request.user).order_by("code")


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Project],
):
    serializer_class = ProjectSerializer
    lookup_field = "slug"
    filterset_fields = ["slug"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Project]:
        return access.projects_visible_to(user=self.request.user).prefetch_related("centers")

    def perform_update(self, serializer: BaseSerializer[Project]) -> None:
        project = serializer.instance
        assert isinstance(project, Project)
        if not access.can_manage_project(user=self.request.user, project=project):
            raise PermissionDenied("only the project's leads and admins can change its protocol")
        serializer.save()


class CaseViewSet(viewsets.ModelViewSet[Case]):
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        return (
            access.cases_visible_to(user=self.request.user)
            .select_related("project", "center")
            .prefetch_related("mosaics")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_services.case_create(by=authenticated_user(request), **serializer.validated_data)
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: BaseSerializer[Case]) -> None:
        case = serializer.instance
        assert isinstance(case, Case)
        if not access.can_contribute_to(user=self.request.user, project=case.project, center=case.center):
            raise PermissionDenied("you cannot change this case")
        case_services.case_update(case=case, **serializer.validated_data)

    def perform_destroy(self, instance: Case) -> None:
        if not access.can_manage_project(user=self.request.user, project=instance.project):
            raise PermissionDenied("only the project's leads and admins can delete cases")
        case_delete(case=instance)


class MosaicViewSet(viewsets.ReadOnlyModelViewSet[Mosaic]):
    serializer_class = MosaicSerializer
    filterset_class = MosaicFilter
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Mosaic]:
        return access.mosaics_visible_to(user=self.request.user).select_related("case__project")
