"""Work a tile request hands off so that its response goes out first.

Storing a rendered tile in the shared cache and writing it into the tile directory
cost 0.3-0.9 ms that the reader would otherwise wait for (benchmarks/README.md,
"Tiles"). One daemon thread per process does them after the response; its queue is
bounded and work that does not fit is dropped: both are caches, and the next
request for the tile renders it again. Forked workers start their own thread.
"""

import logging
import os
import queue
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

_QUEUE_SIZE = 2000
_lock = threading.Lock()
_state: dict[str, object] = {}


def _work_queue() -> "queue.Queue[Callable[[], None]]":
    with _lock:
        if _state.get("pid") != os.getpid():
            work: queue.Queue[Callable[[], None]] = queue.Queue(maxsize=_QUEUE_SIZE)
            threading.Thread(target=_run, args=(work,), name="tile-writer", daemon=True).start()
            _state.update(pid=os.getpid(), queue=work)
        return _state["queue"]  # type: ignore[return-value]


def _run(work: "queue.Queue[Callable[[], None]]") -> None:
    while True:
        job = work.get()
        try:
            job()
        except Exception:  # noqa: BLE001 - a failed cache write must not stop the writer
            logger.exception("deferred tile work failed")
        finally:
            work.task_done()


def defer(job: Callable[[], None]) -> None:
    """Run ``job`` after the response, in this process's writer thread (dropped if the queue is full)."""
    try:
        _work_queue().put_nowait(job)
    except queue.Full:
        pass


def wait_until_done() -> None:
    """Block until the deferred work queued so far has run (tests and benchmarks)."""
    _work_queue().join()
