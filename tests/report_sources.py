"""Report sources for unit tests: the tables a test gives, everything else empty."""

from pathlib import Path

import pandas as pd
from navpartner.document.content import Sources


def report_sources(**tables) -> Sources:
    empty = {
        "claims": None,
        "estimate_audits": [],
        "harmonise_audits": [],
        "diagnostics": pd.DataFrame(),
        "models": {},
        "figures": Path("."),
        "checksums": {},
        "config_fingerprint": "",
        "packages": {},
    }
    return Sources(**(empty | tables))
