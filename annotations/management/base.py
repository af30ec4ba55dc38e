"""The platform's management-command convention.

Every command does its work in-process (with a progress bar and a summary) or,
with ``--queue``, hands the same invocation to the Celery workers and prints the
task id. Bad arguments end with a one-line reason and a non-zero exit
(``CommandError``), never a traceback.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.enqueue import enqueue_on_commit
from annotations.management.queueable import CommandNotQueueable, check_queueable
from annotations.models import OutboxTask, Project


class InputsFailed(CommandError):
    """Raised after the summary when any input of a batch failed: the command exits 1.

    The good inputs are kept (each is its own unit of work); the exit status tells a
    script that the batch needs attention, as ``cp`` or ``rsync`` do.
    """

    def __init__(self, failed: int, total: int) -> None:
        super().__init__(f"{failed} of {total} inputs failed (reasons above)", returncode=1)
        self.failed, self.total = failed, total


def project_by_slug(slug: str) -> Project:
    """The project named ``slug``, or a ``CommandError`` saying there is none."""
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"no project {slug!r}")
    return project


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class PlatformCommand(BaseCommand):
    """Subclasses implement ``run(**options)`` instead of ``handle``."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue", action="store_true", help="Hand the work to the Celery workers instead of running it here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.pop("queue", False):
            self._queue([a for a in self._argv if a != "--queue"])
            return
        try:
            self.run(*args, **options)
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error

    def _queue(self, argv: list[str]) -> None:
        """Through the task outbox, like every other task: a broker that is down now delays the run (the
        sweep sends it when the broker answers) instead of losing it, and a killed worker's run is re-sent."""
        try:
            check_queueable(argv)
        except CommandNotQueueable as error:
            raise CommandError(f"{argv[0]} cannot be queued: run it without --queue") from error
        task_id = enqueue_on_commit("annotations.run_management_command", argv)
        if not OutboxTask.objects.filter(pk=task_id, sent_at__isnull=False).exists():
            self.stderr.write("the broker did not answer: the task waits in the outbox, and its sweep sends it later")
        self.stdout.write(f"queued {argv[0]} as task {task_id}")

    def run_from_argv(self, argv: list[str]) -> None:
        # Keep the original words so --queue can replay them on a worker.
        self._argv = argv[1:]
        super().run_from_argv(argv)

    def execute(self, *args: Any, **options: Any) -> Any:
        if not hasattr(self, "_argv"):
            self._argv = [self.__module__.rsplit(".", 1)[-1]]
        return super().execute(*args, **options)

    def run(self, *args: Any, **options: Any) -> None:
        raise NotImplementedError
