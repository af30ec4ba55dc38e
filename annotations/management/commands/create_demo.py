"""``manage.py create_demo``: the demo project ``make run`` serves. Idempotent.

Two centers, a project lead, two readers, a contributor and an admin with known
passwords (printed), plus a few cases. Refuses to run with DEBUG off unless
``--force``: known passwords have no place in production.
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from annotations.management.base import PlatformCommand
from annotations.models import Case, Role
from annotations.services.cases import case_create
from annotations.services.projects import center_upsert, membership_set, project_upsert
from annotations.vocabulary import Diagnosis, FacialSite

DEMO_PROJECT = "demo"
DEMO_USERS: list[tuple[str, Role, str | None]] = [
    ("lead", Role.LEAD, None),
    ("reader1", Role.READER, None),
    ("reader2", Role.READER, None),
    ("contributor", Role.CONTRIBUTOR, "NAP"),
]
DEMO_CASES = [
    ("NAP", "C001", "P001", Diagnosis.ATYPICAL_MELANOCYTIC, FacialSite.CHEEK),
    ("NAP", "C002", "P001", Diagnosis.ACTINIC_KERATOSIS, FacialSite.FOREHEAD),
    ("MOD", "C101", "P101", Diagnosis.BASAL_CELL_CARCINOMA, FacialSite.NOSE),
    ("MOD", "C102", "P102", Diagnosis.SOLAR_LENTIGO, FacialSite.TEMPLE),
]


def demo_password(username: str) -> str:
    return f"{username}-demo"


class Command(PlatformCommand):
    help = "Create the demo project with its users and cases (idempotent)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def run(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("create_demo makes users with known passwords; with DEBUG off pass --force")
        centers = {
            code: center_upsert(code=code, name=name)[0]
            for code, name in [("NAP", "Naples — University of Campania"), ("MOD", "Modena and Reggio Emilia")]
        }
        project, _ = project_upsert(slug=DEMO_PROJECT, name="Facial lesions — demo study")
        project.centers.add(*centers.values())
        for username, role, center_code in DEMO_USERS:
            membership_set(
                project=project,
                username=username,
                role=role,
                center=centers[center_code] if center_code else None,
                password=demo_password(username),
            )
        admin_model = get_user_model()
        admin, _ = admin_model.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(demo_password("admin"))
        admin.save()
        membership_set(project=project, username="admin", role=Role.ADMIN)
        created = 0
        for center_code, code, patient, diagnosis, site in DEMO_CASES:
            if not Case.objects.filter(project=project, center=centers[center_code], code=code).exists():
                case_create(
                    project=project,
                    center=centers[center_code],
                    by=None,
                    code=code,
                    patient_code=patient,
                    diagnosis=diagnosis,
                    site=site,
                    histopathology_confirmed=True,
                )
                created += 1
        self.stdout.write(f"demo project '{project.slug}' ready ({created} new cases). Logins:")
        for username in ["admin", *(u for u, _, _ in DEMO_USERS)]:
            self.stdout.write(f"  {username:12s} password {demo_password(username)}")
