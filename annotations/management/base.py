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
            from annotations.tasks.commands import run_management_command

            argv = [a for a in self._argv if a != "--queue"]
            result = run_management_command.delay(argv)
            self.stdout.write(f"queued {self._argv[0]} as task {result.id}")
            return
        try:
            self.run(*args, **options)
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error

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
