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


class _StrictLoader(yaml.SafeLoader):
    source = "YAML"

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise InputError(
                self.source,
                f"YAML alias '*{self.peek_event().anchor}' is not allowed (anchors and aliases "
                "could expand beyond memory); write the value out in full",
                line=mark.line + 1,
            )
        return super().compose_node(parent, index)

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


# For YAML this project wrote itself (config parts): libyaml's parser, ten times faster, where
# PyYAML has it; such files hold no repeated key or alias.
_WrittenLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, source: str, written: bool = False):
    """Parse YAML text; errors name `source` and the line. Each caller gets its own copy.

    `written`: the text was written by this project (see _WrittenLoader), not by a person."""
    return copy.deepcopy(_parsed(text, source, written))


@functools.lru_cache(maxsize=8)  # the workflow reads config.yaml several times as it plans
def _parsed(text: str, source: str, written: bool):
    loader = _WrittenLoader(text) if written else _StrictLoader(text)
    loader.source = source
    try:
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
