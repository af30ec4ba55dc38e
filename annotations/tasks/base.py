"""``shared_task``, typed as what it returns under Django: a ``DjangoTask``.

Celery's Django fix-up makes ``celery.contrib.django.task.DjangoTask`` the base of
every task (it adds ``delay_on_commit``, which services use so that a task never
runs before the rows it reads are committed). celery-types cannot see that
fix-up and types ``shared_task`` as a plain ``Task``. This decorator calls
``shared_task`` unchanged and only states the real type, so a task enqueued with
``delay_on_commit`` type-checks, with its arguments checked too. ``name`` is
required: services enqueue tasks by name (``annotations.enqueue``), and
``CELERY_TASK_ROUTES`` routes them by name to their queue.
"""

# Celery's classes are not generic at run time: the annotations must stay unevaluated.
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from celery import shared_task
from celery.contrib.django.task import DjangoTask

_P = ParamSpec("_P")
_R = TypeVar("_R")


def django_task(*, name: str, **options: Any) -> Callable[[Callable[_P, _R]], DjangoTask[_P, _R]]:
    def decorate(function: Callable[_P, _R]) -> DjangoTask[_P, _R]:
        return cast("DjangoTask[_P, _R]", shared_task(name=name, **options)(function))

    return decorate
