"""A case is one lesion of one (pseudonymous) patient, seen at one center."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from annotations.vocabulary import AgeBand, Diagnosis, FacialSite, Sex

from .centers import Center, Project

# Pseudonymous codes only: letters, digits and - _ . ; a name with spaces is refused.
pseudonym_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Use a pseudonymous code (letters, digits, '.', '_' or '-'), never a patient's name.",
)


class Case(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cases")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="cases")
    code = models.CharField(max_length=64, validators=[pseudonym_validator], help_text="Case code, unique per center")
    patient_code = models.CharField(max_length=64, validators=[pseudonym_validator])
    diagnosis = models.CharField(max_length=32, choices=Diagnosis.choices, blank=True)
    histopathology_confirmed = models.BooleanField(default=False)
    site = models.CharField(max_length=16, choices=FacialSite.choices, blank=True)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "center", "code"], name="case_code_unique_per_center"),
        ]
        indexes = [models.Index(fields=["project", "center", "patient_code"])]

    def __str__(self) -> str:
        return f"{self.center.code}/{self.code}"
