"""Read a config file and check it: config.yaml or an overlay in full, a part the workflow
wrote by its digest."""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

from navpartner.config.check import check_config
from navpartner.config.parts import PART_HEADER, PART_KEY, digest_line, read_line
from navpartner.config.paths import check_paths
from navpartner.config.schema import check_schema
from navpartner.errors import ConfigError
from navpartner.yamlfile import read_yaml


def read_config(path: str | Path, root: str | Path = ".") -> dict:
    """Read and fully check a config file; returns the checked dict. A config part (written by
    the workflow, see write_config_part) is checked against the schema of the keys it holds.

    `root` is the project root the configured paths are relative to (where the workflow runs).
    """
    stat = os.stat(path)
    # A command may read the same file twice (its inputs are protected before it runs).
    checked = _read_checked(str(path), str(Path(root).resolve()), stat.st_mtime_ns, stat.st_size)
    return copy.deepcopy(checked)


@functools.lru_cache(maxsize=4)
def _read_checked(path: str, root: str, _mtime_ns: int, _size: int) -> dict:
    if read_line(path, 1) == PART_HEADER:
        part = read_yaml(path, written=True)
        if isinstance(part, dict) and digest_line(part) == read_line(path, 2):
            # Exactly the part the workflow cut from the effective config it checked whole.
            config = {key: value for key, value in part.items() if key != PART_KEY}
            check_paths(config, root, source=path)
            return config
    config = read_yaml(path)  # strictly: a file that is not that part is checked in full
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, found {type(config).__name__}")
    if PART_KEY in config:  # cut from an effective config the workflow checked whole
        config = {key: value for key, value in config.items() if key != PART_KEY}
        check_schema(config, path, whole=False)
    else:
        check_config(config, source=path)
    check_paths(config, root, source=path)
    return config
