"""Writing results safely: atomically, never over an input. Light on purpose (the standard
library only): planning a run writes its config parts with it, without loading pandas."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from navpartner.errors import OutputError


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_protected: tuple[Path, ...] = ()


def protect(paths) -> None:
    """Refuse every later write to these files and folders (inputs, data_raw/, data_dir).

    Set by the `navpartner` command from the config before a step runs, so that no output
    argument, however given, can overwrite what the step reads.
    """
    global _protected
    _protected = tuple(Path(path).resolve() for path in paths)


def check_writable(path: str | Path) -> None:
    target = Path(path).resolve()
    for protected in _protected:
        if target == protected or target.is_relative_to(protected):
            raise OutputError(
                str(path),
                f"refused: this would write over an input ({protected})",
                expected="an output path outside data_raw/, data_dir and the configured inputs",
            )


def write_atomically(path: str | Path, write: Callable[[str], None]) -> None:
    """Call write(tmp_path) and move the result into place only if it succeeded.

    The file gets the mode the user's umask gives new files (the temporary file's own mode,
    0600, would hide results from colleagues); a write that fails (full disk, no permission)
    leaves nothing behind and names the file.
    """
    path = Path(path)
    check_writable(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        os.close(handle)
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(str(path), f"cannot be written ({err.strerror or err})") from err
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it
    os.umask(mask)
    return mask


def write_text(text: str, path: str | Path) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

    write_atomically(path, write)


def write_json(obj: object, path: str | Path) -> None:
    def dump(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, ensure_ascii=False, indent=2, sort_keys=False)
            handle.write("\n")

    write_atomically(path, dump)
