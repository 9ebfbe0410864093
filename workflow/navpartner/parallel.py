"""Independent pieces of one step side by side, on the cores the step was given.

A step that draws many figures loads pandas and matplotlib once; its worker processes are
forked from it after that, so they start with those libraries in memory instead of loading
them again. Each piece's own inputs are sent to its worker.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from navpartner.errors import OutputError


def run_each(tasks: Sequence[Callable[[], object]], jobs: int) -> None:
    """Run every task, on up to `jobs` processes. The first error to happen cancels the tasks
    not yet started and is raised here as it was raised in its task. One job (or one task)
    runs them in order here."""
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            task()
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(task) for task in tasks]
        try:
            for future in as_completed(futures):
                future.result()
        except BrokenProcessPool as error:
            pool.shutdown(cancel_futures=True)
            raise OutputError(
                "(worker processes)",
                f"a worker stopped without an error of its own ({error}), e.g. out of memory",
                expected="every piece drawn; with one thread (--cores 1) the step runs alone",
            ) from None
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
