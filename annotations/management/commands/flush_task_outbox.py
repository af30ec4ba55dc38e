"""``manage.py flush_task_outbox``: send the tasks the broker did not get, now.

What Celery beat's sweep does every 30 s (``annotations.services.outbox``), for an
operator who has just brought the broker back, or runs without beat. Exits 1 when
the broker still refuses tasks (they stay in the outbox for the next try).
"""

from typing import Any

from django.core.management.base import CommandError

from annotations.management.base import PlatformCommand
from annotations.services.outbox import outbox_flush, outbox_pending


class Command(PlatformCommand):
    help = "Send unsent tasks and re-send those whose worker died (the outbox sweep)."

    def run(self, *args: Any, **options: Any) -> None:
        summary = outbox_flush()
        pending = outbox_pending()
        self.stdout.write(str(summary))
        self.stdout.write(f"{pending['unsent']} tasks unsent, {pending['unfinished']} not finished")
        if summary.failed:
            raise CommandError(
                "the broker refused a task; the rest stay in the outbox for the next sweep", returncode=1
            )
