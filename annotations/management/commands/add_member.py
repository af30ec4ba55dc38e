"""``manage.py add_member USERNAME --project SLUG --role ROLE [--center CODE] [--password-stdin]``."""

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from annotations.management.base import PlatformCommand
from annotations.models import Center, Project, Role
from annotations.services.projects import membership_set


class Command(PlatformCommand):
    help = "Give a user a role in a project, creating the user when missing. Safe to re-run."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("username")
        parser.add_argument("--project", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--center", default=None)
        parser.add_argument("--password-stdin", action="store_true", help="Read the user's password from stdin.")

    def run(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project {options['project']!r}; create it with create_project")
        center = None
        if options["center"]:
            center = Center.objects.filter(code=options["center"]).first()
            if center is None:
                raise CommandError(f"no center {options['center']!r}; create it with create_center")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("--password-stdin given but no password on standard input")
        membership, user_created = membership_set(
            project=project, username=options["username"], role=options["role"], center=center, password=password
        )
        where = f" at {center.code}" if center else ""
        self.stdout.write(
            f"{'created user and ' if user_created else ''}set {membership.user.username} as {membership.role}"
            f" in {project.slug}{where}"
        )
