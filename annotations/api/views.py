"""API views for centers, projects, cases and mosaics: thin, scoped, 404 for the unseen.

Each view parses with a serializer, asks a selector for what the caller may see,
and hands every write (create, update, delete) to a service, which checks whether
the caller may make it (403 otherwise): no write goes through ``serializer.save()``.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from annotations.access_matrix import MatrixPermission
from annotations.models import Case, Center, Mosaic, Project
from annotations.selectors import access
from annotations.services import cases as case_services
from annotations.services import projects as project_services

from .auth import authenticated_user
from .filters import CaseFilter, MosaicFilter
from .serializers import CaseSerializer, CaseViewSerializer, CenterSerializer, MosaicSerializer, ProjectSerializer


class CenterViewSet(viewsets.ModelViewSet[Center]):
    serializer_class = CenterSerializer
    permission_classes = [MatrixPermission]
    filterset_fields = ["code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Center]:
        return access.centers_visible_to(user=self.request.user).order_by("code")

    def perform_create(self, serializer: BaseSerializer[Center]) -> None:
        by = authenticated_user(self.request)
        serializer.instance = project_services.center_create(by=by, **_data(serializer))

    def perform_update(self, serializer: BaseSerializer[Center]) -> None:
        center = serializer.instance
        assert isinstance(center, Center)
        project_services.center_update(center=center, by=authenticated_user(self.request), **_data(serializer))


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Project],
):
    serializer_class = ProjectSerializer
    permission_classes = [MatrixPermission]
    lookup_field = "slug"
    filterset_fields = ["slug"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Project]:
        return access.projects_visible_to(user=self.request.user).prefetch_related("centers")

    def perform_update(self, serializer: BaseSerializer[Project]) -> None:
        project = serializer.instance
        assert isinstance(project, Project)
        project_services.project_update(project=project, by=authenticated_user(self.request), **_data(serializer))


@extend_schema_view(
    list=extend_schema(responses=CaseViewSerializer(many=True)),
    retrieve=extend_schema(responses=CaseViewSerializer),
    create=extend_schema(responses={201: CaseViewSerializer}),
    partial_update=extend_schema(responses=CaseViewSerializer),
)
class CaseViewSet(viewsets.ModelViewSet[Case]):
    # Cases come from ``access.with_case_view``: readers get the reader-safe view
    # (no reference fields, only their mosaics) and cannot filter on the reference.
    serializer_class = CaseSerializer
    permission_classes = [MatrixPermission]
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        user = self.request.user
        return access.with_case_view(access.cases_visible_to(user=user), user=user).select_related("project", "center")

    def perform_create(self, serializer: BaseSerializer[Case]) -> None:
        case = case_services.case_create(by=authenticated_user(self.request), **_data(serializer))
        # Answer with the case as the caller sees it (the view chosen by the selector).
        serializer.instance = self.get_queryset().get(pk=case.pk)

    def perform_update(self, serializer: BaseSerializer[Case]) -> None:
        case = serializer.instance
        assert isinstance(case, Case)
        case_services.case_update(case=case, by=authenticated_user(self.request), **_data(serializer))
        serializer.instance = self.get_queryset().get(pk=case.pk)

    def perform_destroy(self, instance: Case) -> None:
        case_services.case_delete(case=instance, by=authenticated_user(self.request))


class MosaicViewSet(viewsets.ReadOnlyModelViewSet[Mosaic]):
    serializer_class = MosaicSerializer
    permission_classes = [MatrixPermission]
    filterset_class = MosaicFilter
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Mosaic]:
        user = self.request.user
        # Readers get the view without identifying text (``MosaicSerializer``).
        return access.with_mosaic_view(access.mosaics_visible_to(user=user), user=user).select_related("case__project")


def _data(serializer: BaseSerializer[Any]) -> dict[str, Any]:
    return dict(serializer.validated_data)
