"""Logins, failed logins and lockouts into the audit trail (Django's auth signals, django-axes').

Every login path (the login page, the admin's, ``/api/auth/token/``) goes through
``django.contrib.auth.authenticate``/``login``, which send these signals; a locked-out
attempt is refused by django-axes inside ``authenticate`` and so is a failed login too.
"""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from audit.services import audit_record
from users.client_ip import client_ip


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action="login", by=user, obj=user, ip=_ip(request))


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="logout", by=user, obj=user, ip=_ip(request))


def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django has already masked the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    audit_record(action="login_failed", username=username, object_type="user", ip=_ip(request))


def _locked_out(sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any) -> None:
    audit_record(action="login_locked_out", username=(username or "")[:150], object_type="user",
                 ip=ip_address or _ip(request))  # fmt: skip


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit-locked-out")
