"""How DataLoader worker processes start: from a clean fork server, never forked from the caller.

A plain fork copies the caller whole: its threads' locks (a web server thread, an
asyncio loop, libvips' or CUDA's state) as they were at that instant. In the full test
suite, workers forked from such a process hung before reading a tile; in production
the callers are Celery workers and ``torchrun`` processes with threads of their own.
The ``forkserver`` start method forks each worker from a small server process that
has only imported what tiles need (``PRELOAD``): the server starts once per calling
process (a second or two), and each worker then starts in milliseconds with nothing
inherited but the pickled dataset — which is why readers pickle as their path.
As with any non-fork start, a calling *script* must guard its entry point with
``if __name__ == "__main__":`` (workers import the caller's main module).
"""

import multiprocessing
from multiprocessing.context import BaseContext

# The whole package (torch, timm, pyvips, scikit-learn, matplotlib …): a worker re-imports its caller's
# main module (multiprocessing's rule for non-fork starts), which then finds all of it already imported.
PRELOAD = ["inference.ml.predict.inferer", "inference.ml.train.training"]


def worker_context(num_workers: int) -> BaseContext | None:
    """The ``multiprocessing_context`` for a DataLoader with ``num_workers`` workers (None: no workers)."""
    if num_workers == 0:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # no effect once the server runs: the first caller's list holds
    return context
