"""Celery tasks of the annotations app."""

import io

from celery import shared_task
from django.core.management import call_command

from annotations.management.queueable import check_queueable


@shared_task(name="annotations.run_management_command", acks_late=True, max_retries=0)
def run_management_command(argv: list[str]) -> str:
    """Run ``manage.py argv…`` on a worker (the ``--queue`` convention); returns its output.

    Only the commands of ``QUEUEABLE_COMMANDS``: any other fails the task with
    ``CommandNotQueueable`` before anything runs.
    """
    check_queueable(argv)
    out = io.StringIO()
    call_command(*argv, stdout=out, stderr=out)
    return out.getvalue()
