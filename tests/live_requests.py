"""Requests the live server is still answering, so a browser test's teardown can wait for them.

A browser test can end while its page still has requests in flight (tiles, a coverage
beacon, an autosave). Closing the browser breaks their sockets, but the live server's
threads go on: one still inside a transaction when the test's database is flushed
deadlocks the flush, and one that finishes after the test meets pytest-django's
blocked database and prints a traceback from the server thread while pytest formats
reports (Python 3.11's traceback carets and pytest both call ``ast.parse``, which is
not thread-safe: an INTERNALERROR that ends the whole run). The browser fixture closes
the page, then waits here until the server has answered everything it was asked.

Only the live server's threads count: Django's test client answers in the test's own
thread and sends ``request_finished`` for a streamed response only once its body is read,
so a test that never reads one would otherwise leave the count above zero for good.
"""

import logging
import threading
from typing import Any

from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)


class InFlightRequests:
    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def started(self, **_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            return  # the test client's own request, answered in the test's thread: not the live server's
        with self._changed:
            self._count += 1

    def finished(self, **_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        with self._changed:
            self._count = max(0, self._count - 1)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once no request is being answered; after ``timeout`` s, False (and the count starts afresh:
        a request whose ``request_finished`` never came must not make every later wait run out)."""
        with self._changed:
            idle = self._changed.wait_for(lambda: self._count == 0, timeout=timeout)
            if not idle:
                logger.warning("the live server still answered %d request(s) after %.0f s", self._count, timeout)
                self._count = 0
            return idle


IN_FLIGHT = InFlightRequests()
request_started.connect(IN_FLIGHT.started, weak=False, dispatch_uid="tests.live_requests.started")
request_finished.connect(IN_FLIGHT.finished, weak=False, dispatch_uid="tests.live_requests.finished")
