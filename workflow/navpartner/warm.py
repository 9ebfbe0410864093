"""Warm starts, the job's side: a command hands itself to the run's warm server.

Every job is a `navpartner` command, a new Python process that would spend most of a second
loading pandas (and scipy, matplotlib, statsmodels) before its work: in the default pipeline,
loading took more CPU time than the work. For the length of a local run, one server loads them
once (navpartner/warm_server.py, started by the Snakefile's `onstart`). A job's command hands
its arguments, working directory, umask, environment and its stdin, stdout and stderr to the
server, which forks a child to run the command there as the job's own process would. The
command waits and exits with the child's status, so Snakemake, the job's log and its error
handling see a job as before; the log's last line says where it ran, with the child's CPU time
and peak memory.

The command runs in its own process, as without the server, when no server was started
(outside Snakemake, on a cluster, with NAVPARTNER_WARM_START=0), when it cannot reach it, or
before the server is ready. A command killed while it waits (a cancelled job) closes its
connection, and the server stops the child and all its workers.

Little of the standard library, and nothing else: every job's command imports this module.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

SERVER = "NAVPARTNER_WARM_SERVER"  # the server's socket, set for the jobs of a local run
SWITCH = "NAVPARTNER_WARM_START"  # "0": every job loads its own libraries
STANDARD_STREAMS = (0, 1, 2)
HEADER = 4  # bytes of a message's length before its JSON


# The job's side -------------------------------------------------------------------------


def run_in_server(argv: list[str]) -> int | None:
    """Run the command in a child of the run's server and return its exit status; None when no
    server takes it, having run nothing (the caller runs the command itself)."""
    path = os.environ.get(SERVER)
    if not path:
        return None
    # Before the socket is made: with a standard stream closed, the socket would take its number.
    streams = [fd for fd in STANDARD_STREAMS if _is_open(fd)]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(path)
            send_message(connection, _request(argv, streams), fds=streams)
            child = receive_message(connection)["pid"]
        except (OSError, EOFError, ValueError, KeyError):
            return None  # not ready, gone, or refused before forking: nothing ran
        # From here the command is running. If this process is killed (a cancelled job), its
        # end of the connection closes and the server stops the child.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            ended = receive_message(connection)
        except (OSError, EOFError, ValueError):
            return _lost(child)
    return _report(child, ended)


def _request(argv: list[str], streams: list[int]) -> dict:
    umask = os.umask(0)
    os.umask(umask)
    return {
        "argv": argv,
        "cwd": os.getcwd(),
        "umask": umask,
        "env": dict(os.environ),
        "streams": streams,
    }


def _report(child: int, ended: dict) -> int:
    """Say in the job's log where it ran and what it took; return the child's status."""
    how = (
        f"exit status {ended['status']}"
        if ended["status"] >= 0
        else f"killed by {signal.Signals(-ended['status']).name}"
    )
    _say(
        f"ran in process {child}, forked from the run's warm server ({SWITCH}=0 runs "
        f"each step in its own process): {how}, {ended['cpu_s']:.2f} s CPU, peak "
        f"{ended['peak_mib']:.0f} MiB"
    )
    if ended["status"] < 0:
        return 128 - ended["status"]  # as a shell reports a command killed by a signal
    return ended["status"]


def _lost(child: int) -> int:
    _say(
        f"the warm server closed before the step's process {child} ended: its outputs are "
        f"not trusted (run again, or with {SWITCH}=0)"
    )
    return 1


def _say(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} INFO warm start: {message}", file=sys.stderr, flush=True)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


# Messages: a 4-byte length, then JSON; file descriptors ride on the first byte -----------


def send_message(connection: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    frame = len(data).to_bytes(HEADER, "big") + data
    sent = socket.send_fds(connection, [frame], list(fds)) if fds else 0
    connection.sendall(frame[sent:])


def receive_message(connection: socket.socket, fds: list[int] | None = None) -> dict:
    """One message, and no byte of the next; the descriptors sent with it are appended to
    `fds`."""
    size = int.from_bytes(_exactly(connection, HEADER, fds), "big")
    return json.loads(_exactly(connection, size))


def _exactly(connection: socket.socket, size: int, fds: list[int] | None = None) -> bytes:
    data = b""
    while len(data) < size:
        if fds is not None and not data:  # descriptors come with a message's first byte
            chunk, received, _, _ = socket.recv_fds(connection, size, len(STANDARD_STREAMS))
            fds.extend(received)
        else:
            chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed mid-message")
        data += chunk
    return data
