"""Operator commands: scriptable, idempotent, a one-line reason on bad arguments."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from annotations.management.commands.create_demo import demo_password
from annotations.models import Case, Center, Membership, Project, Role

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        sys_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
    try:
        call_command(*argv, stdout=out)
    finally:
        if stdin is not None:
            sys.stdin = sys_stdin
    return out.getvalue()


@pytest.mark.django_db
def test_study_setup_is_scriptable_and_safe_to_rerun() -> None:
    for _ in range(2):
        run("create_center", "NAP", "--name", "Naples")
        run("create_project", "face", "--name", "Facial lesions")
        run("add_member", "alice", "--project", "face", "--role", "contributor", "--center", "NAP")
    assert Center.objects.filter(code="NAP").count() == 1
    membership = Membership.objects.get(user__username="alice", project__slug="face")
    assert (membership.role, membership.center.code) == (Role.CONTRIBUTOR, "NAP")
    assert Project.objects.get(slug="face").centers.filter(code="NAP").exists()


@pytest.mark.django_db
def test_add_member_reads_password_from_stdin() -> None:
    run("create_project", "face", "--name", "Facial lesions")
    run("add_member", "bob", "--project", "face", "--role", "reader", "--password-stdin", stdin="s3cret-passphrase\n")
    assert Membership.objects.get(user__username="bob").user.check_password("s3cret-passphrase")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv",
    [
        ["add_member", "carol", "--project", "missing", "--role", "reader"],
        ["add_member", "carol", "--project", "face", "--role", "contributor"],
        ["add_member", "carol", "--project", "face", "--role", "reader", "--center", "NOPE"],
        ["create_center", "bad code!", "--name", "x"],
    ],
    ids=["unknown-project", "contributor-without-center", "unknown-center", "invalid-code"],
)
def test_bad_arguments_end_with_a_reason(argv: list[str]) -> None:
    run("create_project", "face", "--name", "Facial lesions")
    with pytest.raises(CommandError) as error:
        run(*argv)
    assert str(error.value) and "\n" not in str(error.value)


@pytest.mark.django_db
def test_create_demo_is_idempotent(settings: object) -> None:
    run("create_demo", "--force")
    counts = (Case.objects.count(), Membership.objects.count())
    run("create_demo", "--force")
    assert (Case.objects.count(), Membership.objects.count()) == counts
    assert Membership.objects.filter(project__slug="demo", role=Role.READER).count() == 2


@pytest.mark.django_db
def test_running_create_demo_again_keeps_everyone_logged_in(client: object) -> None:
    from django.test import Client

    run("create_demo", "--force")
    assert isinstance(client, Client)
    for username in ("reader1", "admin"):
        client.logout()
        # A request for django-axes, which counts the attempt against its username and address.
        assert client.login(request=HttpRequest(), username=username, password=demo_password(username))
        run("create_demo", "--force")  # a second `make run`
        # The session survives: Django ends sessions whose password hash changed.
        assert client.get("/worklist/").status_code == 200, username


def test_bad_arguments_exit_non_zero_from_the_shell() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "add_member", "x", "--project", "p", "--role", "wizard"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "wizard" in result.stderr
