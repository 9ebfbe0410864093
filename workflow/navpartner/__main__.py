"""`python -m navpartner`, the `navpartner` command: its subcommands are in navpartner/cli.py."""

from __future__ import annotations

import sys

from navpartner.cli import main

if __name__ == "__main__":
    sys.exit(main())
