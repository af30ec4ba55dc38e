"""Run a renewal in the background while long work goes on (leases of running tasks and ingests).

A thread calls ``renew`` every ``every`` seconds until the block ends. It uses its
own database connection (Django's are per thread), closed when it stops, so a
heartbeat never leaves a connection open in a worker.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(renew: Callable[[], None], *, every: float) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    renew()
                except Exception:  # a missed beat is retried on the next one
                    logger.exception("heartbeat renewal failed")
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
