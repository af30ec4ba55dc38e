"""List filters: cases by project, center and diagnosis; mosaics by case, project and status."""

import django_filters

from annotations.models import Case, Mosaic
from annotations.vocabulary import Diagnosis


class CaseFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug")
    center = django_filters.CharFilter(field_name="center__code")
    diagnosis = django_filters.ChoiceFilter(choices=Diagnosis.choices)
    patient_code = django_filters.CharFilter()

    class Meta:
        model = Case
        fields = ["project", "center", "diagnosis", "patient_code", "histopathology_confirmed"]


class MosaicFilter(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="case__project__slug")
    center = django_filters.CharFilter(field_name="case__center__code")

    class Meta:
        model = Mosaic
        fields = ["case", "project", "center", "status"]
