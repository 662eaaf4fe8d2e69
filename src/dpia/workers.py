"""Process pools that stop cleanly: Ctrl-C is the parent's to handle (no worker prints a traceback),
and stopping a pool ends its workers at once rather than waiting for their queued work."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor


def quiet_worker() -> None:
    """Initializer for pool workers: ignore Ctrl-C (the terminal sends it to every process), exit at once on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(128 + signum))


def stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers (SIGTERM, then SIGKILL after 10 s)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)
