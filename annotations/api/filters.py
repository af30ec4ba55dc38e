"""List filters: cases by project, center and diagnosis; mosaics by case, project and status."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from annotations.models import Case, Mosaic
from annotations.selectors.access import reference_visible_q
from annotations.vocabulary import Diagnosis


class CaseFilter(django_filters.FilterSet):
    """The reference fields filter only the cases whose reference the caller sees.

    A reader filtering on a diagnosis or patient code gets no case at all (never
    "these of your cases have it"), so the filter cannot reveal what the view hides.
    """

    project = django_filters.CharFilter(field_name="project__slug")
    center = django_filters.CharFilter(field_name="center__code")
    diagnosis = django_filters.ChoiceFilter(choices=Diagnosis.choices, method="filter_reference")
    patient_code = django_filters.CharFilter(method="filter_reference")
    histopathology_confirmed = django_filters.BooleanFilter(method="filter_reference")

    def filter_reference(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        user = self.request.user if self.request is not None else None
        if user is None:
            return queryset.none()
        return queryset.filter(reference_visible_q(user=user), **{name: value})

    class Meta:
        model = Case
        fields = ["project", "center", "diagnosis", "patient_code", "histopathology_confirmed"]


class MosaicFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="case__project__slug")
    center = django_filters.CharFilter(field_name="case__center__code")

    class Meta:
        model = Mosaic
        fields = ["case", "project", "center", "status"]
