"""Work spread over a Dask cluster: an existing one (``--scheduler tcp://host:8786``) or a LocalCluster on this
machine's cores.

Tasks carry their input (an audit folder's files, a notice's bytes) and return their output (a profile, the
report's files as bytes): workers need dpia installed, never a file system shared with the client, which
writes every file itself. A task that raises, or whose worker dies, marks its own item failed; the others go
on. Dask runs a task again on another worker when its worker dies mid-task (``distributed.scheduler.
allowed-failures`` times, 3 by default), so a killed worker costs a retry, not the run.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import DpiaError

LOCAL = "local"  # --scheduler local: a LocalCluster on this machine's cores, whatever the size of the job


def _quiet() -> None:
    # A worker that dies is reported per item by the caller; Dask's own warnings about it would only repeat that.
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker", "distributed.core",
                 "distributed.client", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A Dask client: on the cluster at ``scheduler``, or on a LocalCluster of one single-threaded worker process
    per core (``workers`` of them if given) that is closed on the way out."""
    _quiet()
    from distributed import Client, LocalCluster

    if scheduler and scheduler != LOCAL:
        import dask

        try:  # Dask's own setting says how long to try (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT, 30 s by default)
            c = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"), set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise DpiaError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start one with "
                            "`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out "
                            "to use this machine's cores") from None
        try:
            yield c
        finally:
            c.close()
        return
    n = max(1, workers or os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.CRITICAL, scheduler_port=0)
    c = Client(cluster, set_as_default=False)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def died(exc: BaseException) -> str | None:
    """Why a task's worker went away, when that is what ``exc`` says; None for an error the task raised."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return "its worker died each time it was tried (out of memory, or killed)"
    from distributed.comm.core import CommClosedError

    if isinstance(exc, (CommClosedError, ConnectionError)):
        return "the connection to the cluster was lost while it ran"
    return None


def explain(exc: BaseException) -> str:
    return died(exc) or f"{type(exc).__name__}: {exc}"


def run(c, function: Callable, items: Iterable, on_done: Callable[[Any, Any, BaseException | None], None],
        in_flight: int | None = None, **kwargs) -> None:
    """Run ``function(item, **kwargs)`` for every item on the cluster; ``on_done(item, result, error)`` as each ends.

    At most ``in_flight`` tasks are submitted at once (default: four per worker thread), so the client never holds
    the input of a whole survey in memory. Interrupted (Ctrl-C), the tasks not finished are cancelled.
    """
    from distributed import as_completed

    items = iter(items)
    if in_flight is None:
        threads = sum((c.nthreads() or {}).values()) or 1
        in_flight = 4 * threads
    futures: dict[Any, Any] = {}

    def submit(n: int) -> list:
        new = []
        for item in items:
            future = c.submit(function, item, pure=False, **kwargs)
            futures[future] = item
            new.append(future)
            if len(new) >= n:
                break
        return new

    try:
        first = submit(max(1, in_flight))
        if not first:
            return
        pending = as_completed(first, loop=c.loop, with_results=False)
        for future in pending:
            item = futures.pop(future)
            try:
                result, error = future.result(), None
            except Exception as exc:  # noqa: BLE001 - one item's failure or its worker's death must not stop the run
                result, error = None, exc
            future.release()
            on_done(item, result, error)
            for more in submit(1):
                pending.add(more)
    except BaseException:
        c.cancel(list(futures), force=True)
        raise
