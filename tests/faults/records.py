"""Rows and environments the fault tests share: a case to contribute to, tokens, the fault environment."""

from typing import Any

from django.conf import settings
from rest_framework.authtoken.models import Token

from annotations.models import Case
from tests.factories import CaseFactory, CenterFactory, ProjectFactory
from tests.faults.services import PrivateRedis, platform_env


def contributed_case() -> Case:
    """A case of a project that keeps originals, at a center of that project."""
    project = ProjectFactory(keep_originals=True)
    center = CenterFactory()
    project.centers.add(center)
    return CaseFactory(project=project, center=center)


def token_for(user: Any) -> dict[str, str]:
    """Authorization header of ``user`` for HTTP calls to a platform process."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def broker_env(broker: PrivateRedis, **extra: str) -> dict[str, str]:
    """Web, worker and sweep processes on the private broker, this run's database and media root."""
    return platform_env(
        RCM_TEST_WORKER="1",
        CELERY_BROKER_URL=broker.url,
        RCM_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        RCM_OUTBOX_SEND_GRACE_SECONDS="0",
        **extra,
    )
