"""Logins are rate-limited (django-axes), tokens expire and can be revoked, passwords are validated."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Role
from audit.models import AuditEvent
from tests.factories import ProjectFactory, UserFactory, member
from users.client_ip import client_ip

pytestmark = pytest.mark.django_db

LIMIT = 5  # AXES_FAILURE_LIMIT's default (RCM_LOGIN_FAILURE_LIMIT)


def _fail(client: Client, path: str, username: str, **extra: Any) -> int:
    data = {"username": username, "password": "not-the-password"}
    if path.startswith("/api/"):
        return client.post(path, data, content_type="application/json", **extra).status_code
    return client.post(path, data, **extra).status_code


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/auth/token/"])
def test_repeated_failures_lock_the_account_from_that_address(path: str) -> None:
    user = UserFactory(username="victim", is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [_fail(client, path, user.username) for _ in range(LIMIT)]
    assert 429 not in statuses[:-1]
    assert statuses[-1] == 429
    # Now even the right password is refused from that address …
    good = {"username": "victim", "password": "pw-for-tests"}
    locked = (
        client.post(path, good, content_type="application/json")
        if path.startswith("/api/")
        else client.post(path, good)
    )
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session
    # The audit trail has every failure and the lockout, with the address.
    events = list(AuditEvent.objects.filter(username="victim").values_list("action", "ip"))
    assert events.count(("login_failed", "203.0.113.7")) == LIMIT + 1
    assert ("login_locked_out", "203.0.113.7") in events
    # … while the same user from another address still logs in (username AND address).
    other = Client(REMOTE_ADDR="198.51.100.2")
    response = (
        other.post(path, good, content_type="application/json") if path.startswith("/api/") else other.post(path, good)
    )
    assert response.status_code in (200, 302)
    if path.startswith("/api/"):
        assert response.json()["token"]


def test_axes_reset_lifts_the_lock() -> None:
    UserFactory(username="victim")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(LIMIT):
        _fail(client, "/login/", "victim")
    assert client.post("/login/", {"username": "victim", "password": "pw-for-tests"}).status_code == 429
    call_command("axes_reset", stdout=io.StringIO())
    assert client.post("/login/", {"username": "victim", "password": "pw-for-tests"}).status_code == 302


@override_settings(RCM_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_address_nginx_saw_counts_not_one_the_client_claims() -> None:
    UserFactory(username="victim")
    # nginx appends the peer it saw; whatever the client put before it is ignored.
    client = Client(REMOTE_ADDR="10.0.0.5")
    for n in range(LIMIT):
        _fail(client, "/login/", "victim", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
    good = {"username": "victim", "password": "pw-for-tests"}
    assert client.post("/login/", good, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7").status_code == 429
    assert client.post("/login/", good, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(rf: Any) -> None:
    request = rf.get("/", HTTP_X_FORWARDED_FOR="192.0.2.1", REMOTE_ADDR="203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
    with override_settings(RCM_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "192.0.2.1"
        assert client_ip(rf.get("/", REMOTE_ADDR="203.0.113.7")) == "203.0.113.7"


def _token(client: APIClient, username: str) -> dict[str, Any]:
    response = client.post("/api/auth/token/", {"username": username, "password": "pw-for-tests"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_token_expires_after_its_lifetime_and_a_new_one_is_issued() -> None:
    project = ProjectFactory(slug="p")
    user = member(project, Role.LEAD, username="lead")
    client = APIClient()
    issued = _token(client, "lead")
    assert issued["expires"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")
    assert client.get("/api/projects/").status_code == 200
    Token.objects.filter(user=user).update(created=timezone.now() - timedelta(days=2))
    refused = client.get("/api/projects/")
    assert refused.status_code in (401, 403)
    assert refused.json()["detail"] == "Token has expired."
    renewed = _token(APIClient(), "lead")
    assert renewed["token"] != issued["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {renewed['token']}")
    assert [p["slug"] for p in client.get("/api/projects/").json()["results"]] == ["p"]


def test_delete_revokes_the_callers_token() -> None:
    project = ProjectFactory(slug="p")
    member(project, Role.LEAD, username="lead")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token(client, 'lead')['token']}")
    assert client.delete("/api/auth/token/").status_code == 204
    refused = client.get("/api/projects/")
    assert refused.status_code in (401, 403)
    assert refused.json()["detail"] == "Invalid token."
    assert not Token.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="token.").values_list("action", flat=True)) == [
        "token.revoke", "token.issue"
    ]


def test_add_member_runs_the_password_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    ProjectFactory(slug="p")
    for weak, reason in [
        ("short-pw", "too short"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ]:
        monkeypatch.setattr("sys.stdin", io.StringIO(weak + "\n"))
        with pytest.raises(CommandError, match=reason):
            call_command("add_member", "newbie", "--project", "p", "--role", "reader", "--password-stdin")
    from users.models import User

    assert not User.objects.filter(username="newbie").exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    call_command("add_member", "newbie", "--project", "p", "--role", "reader", "--password-stdin", stdout=io.StringIO())
    assert User.objects.get(username="newbie").check_password("a-long-enough-passphrase")


def test_demo_passwords_pass_the_validators() -> None:
    from django.contrib.auth.password_validation import validate_password

    from annotations.management.commands.create_demo import DEMO_USERS, demo_password
    from users.models import User

    for username in ["admin", *(u for u, _, _ in DEMO_USERS)]:
        validate_password(demo_password(username), User(username=username))
