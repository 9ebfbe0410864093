"""The `navpartner` command. In a local Snakemake run it hands itself to the run's warm server
(navpartner/warm.py) and exits with the status of the child that ran it; elsewhere it runs here
(navpartner/cli.py). Little of the standard library until then: every job starts here."""

from __future__ import annotations

import sys

from navpartner import warm


def main() -> int:
    argv = sys.argv[1:]
    if argv[:1] == ["warm-serve"]:  # the server itself (navpartner/warm_server.py)
        from navpartner.warm_server import serve_command

        return serve_command(argv[1:])
    status = warm.run_in_server(argv)
    if status is None:
        from navpartner.cli import main as run_here

        status = run_here(argv)
    return status


if __name__ == "__main__":
    sys.exit(main())
