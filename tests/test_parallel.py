"""Pieces of a step run side by side: every piece runs, and an error keeps its kind and words."""

import os

import pytest
from navpartner.errors import InputError
from navpartner.parallel import run_each


def write_pid(path):
    path.write_text(str(os.getpid()))


def refuse(path):
    raise InputError(str(path), "cannot be drawn", variable="q1", row=3, expected="a share")


def test_every_task_runs_and_the_work_is_spread_over_processes(tmp_path):
    from functools import partial

    paths = [tmp_path / f"{n}.txt" for n in range(4)]
    run_each([partial(write_pid, path) for path in paths], jobs=2)
    pids = {path.read_text() for path in paths}
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2


def test_one_job_runs_here_in_order(tmp_path):
    from functools import partial

    paths = [tmp_path / f"{n}.txt" for n in range(3)]
    run_each([partial(write_pid, path) for path in paths], jobs=1)
    assert {path.read_text() for path in paths} == {str(os.getpid())}


def test_an_error_in_a_worker_is_raised_here_as_it_was_raised(tmp_path):
    from functools import partial

    tasks = [partial(write_pid, tmp_path / "a.txt"), partial(refuse, tmp_path / "b.svg")]
    with pytest.raises(InputError) as raised:
        run_each(tasks, jobs=2)
    message = str(raised.value)
    assert message == str(
        InputError(
            str(tmp_path / "b.svg"), "cannot be drawn", variable="q1", row=3, expected="a share"
        )
    )
    assert raised.value.variable == "q1" and raised.value.row == 3
