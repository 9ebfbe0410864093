"""Independent pieces of one step side by side, on the cores the step was given.

A step that draws many figures pays for loading pandas and matplotlib once; its worker
processes are forked from it, so they start with those libraries (and the step's inputs)
already in memory instead of loading them again.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor


def run_each(tasks: Sequence[Callable[[], object]], jobs: int) -> None:
    """Run every task, on up to `jobs` processes; the first error stops the rest and is
    raised here as it was raised in its task. One job (or one task) runs them in order here.
    """
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            task()
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(task) for task in tasks]
        try:
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
