"""Warm starts, the run's side: one server loads the libraries once for a local run's jobs.

Started by the Snakefile's `onstart` (`start_server`), stopped by `onsuccess` and `onerror`
(`stop_server`). The jobs start once it listens with the first steps' libraries loaded;
successors forked from it in turn load the rest (STAGES) and take the socket over. For each
job that connects, the server forks a child that becomes the job's process: its streams,
working directory, umask, environment and arguments (navpartner/warm.py is the job's side).
The server keeps each child's connection to send its exit status, CPU time and peak memory,
and stops the child with its workers when the job's command is gone. Standard library only.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import NoReturn

from navpartner.warm import SERVER, STANDARD_STREAMS, SWITCH, receive_message, send_message

# What each server loads, in the order the run's steps need it: the first listens once the
# first steps' libraries are loaded; each later one is forked from the one before, loads its
# stage, then takes the socket over (so the models' step, ready early, finds statsmodels
# loaded without waiting for matplotlib).
STAGES = (
    (
        "the first steps' libraries",
        (
            "ctypes",
            "navpartner.cli",
            "pandas",
            "pyarrow.parquet",
            "pyreadstat",
            "navpartner.harmonise",
            "navpartner.weighting",
            "navpartner.indicators",
            "navpartner.findings",
        ),
    ),
    ("the models' libraries", ("navpartner.model",)),
    (
        "the publication's libraries",
        (
            "navpartner.publish.steps",
            "navpartner.publish.figures",
            "navpartner.publish.sheets",
            "navpartner.claims",
            "navpartner.document.report",
        ),
    ),
)
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# Held back while forking a job's process, until it has its own handlers.
FORK_SIGNALS = {*STOP_SIGNALS, signal.SIGCHLD}


_server: subprocess.Popen | None = None
_folder: str | None = None


def start_server(log: str | Path, wanted: bool = True) -> None:
    """Start the run's server (Snakemake's onstart) and point jobs at it; not `wanted` (a
    cluster run, a conda or container environment per rule): none, and no server of another
    run either."""
    global _server, _folder
    os.environ.pop(SERVER, None)  # one inherited from an enclosing run is not this run's
    command = shutil.which("navpartner")
    if not wanted or os.environ.get(SWITCH) == "0" or _server is not None or command is None:
        return
    _folder = tempfile.mkdtemp(prefix="navpartner-warm-")  # 0700: this user's jobs only
    path = os.path.join(_folder, "server.sock")
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as output:
        print(f"{_stamp()} {os.getpid()}: Snakemake starts the server", file=output, flush=True)
        _server = subprocess.Popen(
            [command, "warm-serve", "--socket", path, "--parent", str(os.getpid())],
            # As Snakemake sets them for a job of one thread (every rule here): the math
            # libraries size their thread pools when loaded, and the jobs' processes keep them.
            env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, "1")},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches Snakemake, which then stops it
        )
    atexit.register(stop_server)
    if _ready(_server, path):
        os.environ[SERVER] = path


def _ready(server: subprocess.Popen, path: str, wait: float = 60) -> bool:
    """Wait until the server listens: on a busy machine the first jobs would otherwise load
    their libraries beside the server loading the same. False if it stopped (its log says
    why): the jobs then start their own processes."""
    deadline = time.monotonic() + wait
    while server.poll() is None and time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def stop_server() -> None:
    """Stop the server (Snakemake's onsuccess and onerror); it stops any child still running."""
    global _server, _folder
    os.environ.pop(SERVER, None)
    if _server is not None:
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
        _server = None
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
        _folder = None


# The server ------------------------------------------------------------------------------


def serve_command(argv: list[str]) -> NoReturn:
    parser = argparse.ArgumentParser(
        prog="navpartner warm-serve",
        description="Serve a local run's jobs from one warm process (started by the Snakefile).",
    )
    parser.add_argument("--socket", required=True, help="where to listen")
    parser.add_argument("--parent", type=int, required=True, help="stop when this process ends")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    status = 0
    try:
        Server(args.socket, args.parent).serve()
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()
        status = 1
    _say(f"{os.getpid()}: stopped")
    # Without the interpreter's teardown of pandas, matplotlib and statsmodels: half a second
    # at the end of every run, with nothing left to write.
    os._exit(status)


def _stop_on_signal(signum, frame) -> None:
    raise SystemExit(0)


class Server:
    """Loads the libraries, then forks a child for each job that connects, until its parent
    (Snakemake) ends; keeps each child's connection to send it the child's exit status."""

    def __init__(self, path: str, parent: int) -> None:
        self.path = path
        self.parent = parent
        self.children: dict[int, socket.socket] = {}  # a running child → its job's connection
        self.successor: int | None = None  # the server that loads the rest, then takes over
        self.selector = selectors.PollSelector()  # no kernel object for a child to share

    def serve(self) -> None:
        """Listen once the first stage is loaded; a successor forked from here loads the next
        stage and then takes the socket over, and so on, so that no job waits for a library
        it does not use. Each server keeps the jobs it started until they end."""
        (state, modules), *later = STAGES
        _load(modules)
        _warm_up()
        listener = self._listen(f"{state} loaded")
        try:
            for state, modules in later:
                if not self._fork_successor():
                    break  # this one serves; its successor loads the next stage
                listener.close()
                _load(modules)
                listener = self._listen(f"{state} loaded; taken over")
            self._serve(listener)
        finally:
            self._stop_children()

    def _fork_successor(self) -> bool:
        """Fork the server that loads the next stage; True in it. Without one (no fork), this
        server serves on, and jobs load what it lacks themselves."""
        # A stop that comes during the fork is held until both processes can act on it: the
        # successor outside its fork hooks, this server with the successor's pid to stop.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
        except OSError as error:
            _say(f"{os.getpid()}: no successor ({error})")
            return False
        else:
            if pid == 0:
                self.parent, self.successor = os.getppid(), None
            else:
                self.successor = pid
            return pid == 0
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a stop held back arrives here

    def _serve(self, listener: socket.socket) -> None:
        # Its own pipe (not one shared with the successor): a signal wakes this server only.
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the select below
        self.selector.register(listener, selectors.EVENT_READ, "job")
        self.selector.register(self.wake_read, selectors.EVENT_READ, "signal")
        while os.getppid() == self.parent:
            for key, _ in self.selector.select(timeout=1.0):
                try:
                    self._handle(key, listener)
                except Exception:  # one job's trouble (no fork, no descriptor) stays its own
                    traceback.print_exc()
            self._reap()

    def _handle(self, key, listener: socket.socket) -> None:
        if key.data == "job":
            self._start(listener)
        elif key.data == "signal":
            with contextlib.suppress(BlockingIOError):
                os.read(self.wake_read, 512)
        else:
            self._abandoned(key.data, key.fileobj)

    def _listen(self, state: str) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        part = self.path + ".part"
        listener.bind(part)
        listener.listen(64)
        os.replace(part, self.path)  # a job finds the socket only once it is served
        _say(f"{os.getpid()}: ready ({state}): {self.path}")
        return listener

    def _start(self, listener: socket.socket) -> None:
        connection, _ = listener.accept()
        connection.settimeout(5)  # a job sends its request at once
        fds: list[int] = []
        try:
            request = receive_message(connection, fds)
        except (OSError, EOFError, ValueError):
            connection.close()
            for fd in fds:
                os.close(fd)
            return
        connection.settimeout(None)
        sys.stdout.flush()
        server = os.getpid()
        held = signal.pthread_sigmask(signal.SIG_BLOCK, FORK_SIGNALS)
        try:
            child = os.fork()
        except OSError:
            for fd in fds:
                os.close(fd)
            connection.close()  # before its pid: the job's command runs the step itself
            raise
        finally:
            if os.getpid() == server:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        if child == 0:
            self._run_child(request, fds, connection, listener, server, held)
        with contextlib.suppress(OSError):  # also here: a stop may come before the child's own
            os.setpgid(child, child)
        for fd in fds:
            os.close(fd)
        self.children[child] = connection
        self.selector.register(connection, selectors.EVENT_READ, child)
        try:
            send_message(connection, {"pid": child})
        except OSError:
            self._abandoned(child, connection)
        _say(f"{child}: navpartner {' '.join(request['argv'][:1])}")

    def _abandoned(self, child: int, connection: socket.socket) -> None:
        """The job's command is gone (cancelled, killed): stop the child and its workers."""
        self.selector.unregister(connection)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child, signal.SIGTERM)
        _say(f"{child}: its job is gone; stopped")

    def _reap(self) -> None:
        while self.children:
            child, status, usage = os.wait4(-1, os.WNOHANG)
            if child == 0:
                return
            connection = self.children.pop(child, None)
            if connection is None:  # the successor, stopped
                self.successor = None
                continue
            ended = {
                "status": os.waitstatus_to_exitcode(status),
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_mib": usage.ru_maxrss / 1024,
            }
            if connection in self.selector.get_map():
                self.selector.unregister(connection)
            with contextlib.suppress(OSError):  # the job is gone: no one to tell
                send_message(connection, ended)
            connection.close()
            _say(f"{child}: ended, status {ended['status']}, {ended['cpu_s']:.2f} s CPU")

    def _stop_children(self) -> None:
        """Stop the running children (and the successor, whose children it stops in turn)."""
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child, signal.SIGTERM)
        if self.successor:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.successor, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while self.children and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        if self.successor:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.successor, 0)  # its CPU time counts in this run's

    def _run_child(self, request, fds, connection, listener, server: int, held) -> None:
        """In the forked child: become the job's process, run its command, exit. Never returns.
        The signals held back at the fork arrive once it has a new process's handlers."""
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.setpgid(0, 0)  # the server stops the child and its workers as one group
            _end_with_server()
            if os.getppid() != server:  # it ended before the child could ask to end with it
                os._exit(1)
            self.selector.close()
            for other in (listener, connection, *self.children.values()):
                other.close()
            os.close(self.wake_read)
            os.close(self.wake_write)
            _adopt(request, fds)
            from navpartner.cli import main

            status = main(request["argv"])
        except SystemExit as exit:
            status = _exit_status(exit)
        except BaseException:
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(status)


def _say(message: str) -> None:
    """A line of the server's log, with the time to the millisecond: the run's timeline."""
    print(f"{_stamp()} {message}", flush=True)


def _stamp() -> str:
    now = time.time()
    return f"{time.strftime('%H:%M:%S', time.localtime(now))}.{int(now % 1 * 1000):03d}"


def _end_with_server() -> None:
    """Linux: the child is stopped if the server ends first, so that no step goes on writing
    its outputs after its job was reported failed."""
    with contextlib.suppress(Exception):  # elsewhere the server's own stop covers it
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _adopt(request: dict, fds: list[int]) -> None:
    """Take the job's streams, working directory, umask, environment and arguments."""
    streams = dict(zip(request["streams"], fds, strict=True))
    for target in STANDARD_STREAMS:
        if target in streams:
            os.dup2(streams[target], target)
            os.close(streams[target])
        else:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, target)
            os.close(null)
    _standard_streams()
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["navpartner", *request["argv"]]


def _standard_streams() -> None:
    """sys.stdin, stdout and stderr on the job's descriptors, buffered as in a new process
    (stderr by line, stdout by line only on a terminal), in the server's encodings."""
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        old = getattr(sys, name)
        stream = open(  # noqa: SIM115 (the process's own streams, open until it exits)
            fd,
            "r" if fd == 0 else "w",
            buffering=1 if fd == 2 or (fd == 1 and os.isatty(fd)) else -1,
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None),
            closefd=False,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _exit_status(exit: SystemExit) -> int:
    if exit.code is None or isinstance(exit.code, int):
        return exit.code or 0
    print(exit.code, file=sys.stderr)
    return 1


def _warm_up() -> None:
    """Work every job's command would repeat, done once: its argument parser."""
    from navpartner.cli import parser

    parser()


def _load(modules) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # a job that needs it loads it itself, and says what fails
            print(f"not loaded ahead: {name} ({error})", flush=True)
