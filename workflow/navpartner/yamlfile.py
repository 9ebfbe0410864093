"""Read YAML that cannot be misread: a key defined twice or an alias stops with its lines.

PyYAML's safe loader lets the later of two equal keys win silently, and expands aliases, so a
few lines of anchors ("billion laughs") can grow into more data than memory holds as soon as
anything walks the result. Configs and codebooks are written out in full, so both are refused.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from navpartner.errors import InputError

# libyaml's parser where PyYAML has it (ten times faster than the pure-Python one).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):
    source = "YAML"

    def construct_mapping(self, node, deep=False):
        first_line = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            # Compared as text: the schema sees keys as strings, so 2011 and "2011" are one key.
            if str(key) in first_line:
                raise InputError(
                    self.source,
                    f"key '{key}' is defined twice, at lines {first_line[str(key)]} and {line} "
                    "(one definition would silently replace the other)",
                    line=line,
                )
            first_line[str(key)] = line
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)


def _refuse_aliases(text: str, source: str) -> None:
    """Stop at the first alias, before anything is built from the document."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise InputError(
                source,
                f"YAML alias '*{event.anchor}' is not allowed (anchors and aliases "
                "could expand beyond memory); write the value out in full",
                line=event.start_mark.line + 1,
            )


def load_yaml(text: str, source: str, written: bool = False):
    """Parse YAML text; errors name `source` and the line. Each caller gets its own copy.

    `written`: the text was written by this project (a config part), not by a person: it holds
    no repeated key or alias, so it is read without those checks."""
    return copy.deepcopy(_parsed(text, source, written))


@functools.lru_cache(maxsize=8)  # the workflow reads config.yaml several times as it plans
def _parsed(text: str, source: str, written: bool):
    loader = _BaseLoader(text) if written else _StrictLoader(text)
    loader.source = source
    try:
        if not written:
            _refuse_aliases(text, source)
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise InputError(
            source,
            f"not valid YAML: {err.problem or err.context}",
            line=mark.line + 1 if mark else None,
        ) from err
    except yaml.YAMLError as err:
        raise InputError(source, f"not valid YAML: {err}") from err
    finally:
        loader.dispose()


def read_yaml(path: str | Path, encoding: str = "utf-8", written: bool = False):
    """Read and parse a YAML file; an unreadable or undecodable file names itself."""
    try:
        raw = Path(path).read_bytes()
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            str(path),
            f"not valid {encoding}",
            line=raw[: err.start].count(b"\n") + 1,
            found=raw[max(err.start - 10, 0) : err.end + 10],
        ) from err
    except LookupError as err:
        raise InputError(str(path), f"unknown encoding '{encoding}'") from err
    except OSError as err:
        raise InputError(str(path), f"cannot be read ({err.strerror})") from err
    return load_yaml(text, str(path), written)
