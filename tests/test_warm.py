"""Warm starts: a command run through the run's server behaves as the command run on its own.

Most tests fork a server from this test process with stand-in commands (navpartner.cli.main
replaced before the fork), so a command can sleep, fail or be killed on demand; the last ones
run the real `navpartner` command through a server started as the Snakefile starts it.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from navpartner import cli, warm, warm_server


def stand_in(argv: list[str]) -> int:
    """The commands the forked test server runs in place of navpartner's."""
    match argv:
        case ["say", words]:
            print(f"out: {words}")
            print(f"err: {words}", file=sys.stderr)
            return 0
        case ["status", code]:
            return int(code)
        case ["where", name]:
            print(os.getcwd(), os.environ.get(name), oct(os.umask(0)), sys.argv[1:])
            return 0
        case ["sleep", pid_file]:
            Path(pid_file).write_text(str(os.getpid()))
            time.sleep(60)
            return 0
        case ["kill"]:
            os.kill(os.getpid(), signal.SIGKILL)
        case ["exit", message]:
            sys.exit(message)
    raise AssertionError(f"no stand-in for {argv}")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A server forked from here, serving the stand-in commands; its socket is in the env."""
    monkeypatch.setattr(cli, "main", stand_in)
    monkeypatch.setattr(warm_server, "STAGES", (("first", ()), ("second", ())))
    path = str(tmp_path / "server.sock")
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            signal.signal(signal.SIGTERM, warm_server._stop_on_signal)
            warm_server.Server(path, parent).serve()
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    monkeypatch.setenv(warm.SERVER, path)
    yield path
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)


def client(*argv: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """A job's command: a new process that hands its arguments to the server."""
    code = "import sys; from navpartner import warm; sys.exit(warm.run_in_server(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_commands_streams_are_the_jobs_own(server):
    done = client("say", "hei")
    assert done.returncode == 0
    assert done.stdout == "out: hei\n"
    assert done.stderr.startswith("err: hei\n")
    # the job's log says where the command ran, and what it took
    assert "warm start: ran in process" in done.stderr and "exit status 0" in done.stderr


@pytest.mark.parametrize("code", [0, 1, 2, 7])
def test_the_exit_status_is_the_commands(server, code):
    assert client("status", str(code)).returncode == code


def test_a_message_given_to_exit_is_printed_and_fails(server):
    done = client("exit", "stopped: no such file")
    assert done.returncode == 1
    assert "stopped: no such file" in done.stderr


def test_the_command_runs_where_the_job_runs_with_its_environment(server, tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    env = {**os.environ, "NAVPARTNER_TEST_VALUE": "seen"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from navpartner import warm; os.umask(0o027); "
            "sys.exit(warm.run_in_server(sys.argv[1:]))",
            "where",
            "NAVPARTNER_TEST_VALUE",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        str(folder),
        "seen",
        "0o27",
        "['where',",
        "'NAVPARTNER_TEST_VALUE']",
    ]


def test_a_command_killed_by_a_signal_fails_and_says_so(server):
    done = client("kill")
    assert done.returncode == 128 + signal.SIGKILL
    assert "killed by SIGKILL" in done.stderr


def test_a_cancelled_job_stops_its_command(server, tmp_path):
    """Snakemake cancels a job by killing its process: the server then stops the child."""
    pid_file = tmp_path / "child.pid"
    code = "import sys; from navpartner import warm; sys.exit(warm.run_in_server(sys.argv[1:]))"
    job = subprocess.Popen([sys.executable, "-c", code, "sleep", str(pid_file)])
    deadline = time.monotonic() + 20
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int(pid_file.read_text())
    assert child != job.pid
    job.kill()
    job.wait()
    assert gone(child), "the command went on after its job was killed"


def gone(pid: int, wait: float = 10) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_two_messages_read_at_once_stay_two():
    """A command that ends at once: its pid and its status may arrive in one read."""
    one, two = socket.socketpair()
    with one, two:
        warm.send_message(one, {"pid": 7})
        warm.send_message(one, {"status": 0, "cpu_s": 0.1, "peak_mib": 9})
        assert warm.receive_message(two) == {"pid": 7}
        assert warm.receive_message(two)["status"] == 0


def test_a_job_without_stdin_runs_with_none(server):
    code = "import sys; from navpartner import warm; sys.exit(warm.run_in_server(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "say", "hei"],
        preexec_fn=lambda: os.close(0),  # as a job started without standard input
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and done.stdout == "out: hei\n"


def test_without_a_server_the_command_runs_in_its_own_process(tmp_path, monkeypatch):
    monkeypatch.delenv(warm.SERVER, raising=False)
    assert warm.run_in_server(["say", "hei"]) is None
    monkeypatch.setenv(warm.SERVER, str(tmp_path / "nothing.sock"))  # gone, or not yet ready
    assert warm.run_in_server(["say", "hei"]) is None


@pytest.fixture
def real_server(tmp_path, monkeypatch):
    """The server as the Snakefile's onstart starts it, with the real navpartner command."""
    monkeypatch.delenv(warm.SERVER, raising=False)
    monkeypatch.delenv(warm.SWITCH, raising=False)
    log = tmp_path / "logs" / "warm_start.log"
    warm_server.start_server(log)
    yield log
    warm_server.stop_server()


def test_the_real_command_runs_in_the_server_and_stops_with_its_message(real_server, tmp_path):
    assert os.environ.get(warm.SERVER), real_server.read_text()
    config = tmp_path / "config.yaml"
    config.write_text("surveys: [\n")  # broken YAML: the command's own error, its own status
    done = subprocess.run(
        ["navpartner", "check-config", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert str(config) in done.stderr and "Traceback" not in done.stderr
    assert "warm start: ran in process" in done.stderr
    # The server's log is the run's timeline: when each command started and ended, and how.
    started = re.search(
        r"^\d\d:\d\d:\d\d\.\d{3} (\d+): navpartner check-config$", log_of(real_server), re.M
    )
    assert started, log_of(real_server)
    ended = rf"^\d\d:\d\d:\d\d\.\d{{3}} {started[1]}: ended, status 2, [\d.]+ s CPU$"
    assert wait_for(lambda: re.search(ended, log_of(real_server), re.M)), log_of(real_server)


def test_stopping_the_server_leaves_commands_to_their_own_processes(real_server):
    warm_server.stop_server()
    # Every server that became ready stopped, the first one last, after its successors (one
    # stopped while loading its stage was never ready, and stops as well).
    log = log_of(real_server)
    ready = re.findall(r"^\S+ (\d+): ready", log, re.M)
    stopped = re.findall(r"^\S+ (\d+): stopped$", log, re.M)
    assert set(ready) <= set(stopped) and stopped[-1] == ready[0], log
    assert warm.SERVER not in os.environ
    done = subprocess.run(
        ["navpartner", "check-config", "--config", "/nonexistent/config.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "warm start" not in done.stderr


@pytest.mark.parametrize("delay", [0, 0.0005, 0.001, 0.002, 0.005])
def test_a_stop_as_the_server_becomes_ready_stops_its_successor_too(tmp_path, monkeypatch, delay):
    """A successor is forked right after a server listens; a stop then (Snakemake's run
    ending at once) must end every server, each successor reaped before its server ends."""
    monkeypatch.setattr(warm_server, "STAGES", (("first", ()), ("second", ()), ("third", ())))
    for attempt in range(5):
        path = str(tmp_path / f"server{attempt}.sock")
        first = os.fork()
        if first == 0:
            try:
                os.setpgid(0, 0)  # the servers' own group, to see that none is left
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
                warm_server.serve_command(["--socket", path, "--parent", str(os.getppid())])
            finally:
                os._exit(1)  # serve_command ends the process itself; never back into pytest
        while not os.path.exists(path):
            time.sleep(0.0002)
        time.sleep(delay)
        os.kill(first, signal.SIGTERM)
        assert os.waitpid(first, 0)[1] == 0
        with pytest.raises(ProcessLookupError):
            os.killpg(first, 0)


def test_switched_off_no_server_starts(tmp_path, monkeypatch):
    monkeypatch.setenv(warm.SWITCH, "0")
    monkeypatch.delenv(warm.SERVER, raising=False)
    warm_server.start_server(tmp_path / "warm_start.log")
    assert warm.SERVER not in os.environ and warm_server._server is None


def test_a_cluster_run_has_no_server_not_even_an_inherited_one(tmp_path, monkeypatch):
    monkeypatch.setenv(warm.SERVER, str(tmp_path / "another_run.sock"))
    warm_server.start_server(tmp_path / "warm_start.log", wanted=False)
    assert warm.SERVER not in os.environ and warm_server._server is None


def log_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def wait_for(condition, seconds: float = 10):
    """The server logs a command's end after telling the command: it may come a moment later."""
    deadline = time.monotonic() + seconds
    while not (found := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found
