"""``manage.py create_demo``: the demo project ``make run`` serves. Idempotent.

Two centers, a project lead, two readers, a contributor and an admin with known
passwords (printed), plus a few cases. Refuses to run with DEBUG off unless
``--force``: known passwords have no place in production.

Passwords are set only when a user is created or its password is not the demo one
(a database from an older demo): setting them again on every ``make run`` would
change each password hash, and Django ends every session whose hash changed — a
restart would log everybody out. They pass the password validators like any other.
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
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
    """Known, printed passwords that still pass the validators (12+ characters, not the username)."""
    return f"{username}-confocal-demo"


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
        user_model = get_user_model()
        # Users whose password is already the demo one keep their hash (and so their sessions);
        # others (new users, or passwords of an older demo) get it.
        current = {
            user.username
            for user in user_model.objects.filter(username__in=[u for u, _, _ in DEMO_USERS])
            if user.check_password(demo_password(user.username))
        }
        for username, role, center_code in DEMO_USERS:
            membership_set(
                project=project,
                username=username,
                role=role,
                center=centers[center_code] if center_code else None,
                password=None if username in current else demo_password(username),
            )
        admin, admin_created = user_model.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        if admin_created or not admin.check_password(demo_password("admin")):
            password_validation.validate_password(demo_password("admin"), admin)
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
