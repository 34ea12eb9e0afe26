"""Reading YAML that users hand us, safely: regular files only, bounded, no tricks.

``yaml.safe_load`` builds no objects, but still accepts what breaks a tool later:
duplicate keys (the last one silently wins), a self-referential alias (endless
recursion downstream) and alias bombs (a few lines that expand to billions of
nodes). The loader here refuses each with a message, and :func:`read_text_file`
refuses FIFOs, devices and huge files before reading them, so that no file given
as a study can block or exhaust the process.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

#: Largest study file read (bytes); study files are a few kilobytes.
MAX_BYTES = 1 << 20
#: Most nodes a document may expand to once aliases are followed.
MAX_NODES = 100_000


class YamlRefused(ValueError):
    """A document we do not load, with why (one line)."""


def read_text_file(path: Path, what: str) -> str:
    """The text of a regular file of at most :data:`MAX_BYTES`, as UTF-8.

    Raises
    ------
    FileNotFoundError
        When it does not exist.
    YamlRefused
        A FIFO, a device, a directory or a file that is too large (never opened for
        reading, so that a FIFO cannot block).
    OSError, UnicodeDecodeError
        When it cannot be read.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise YamlRefused(f"{what} {path} is {kind} (a FIFO, a device...); give a YAML file")
    if info.st_size > MAX_BYTES:
        raise YamlRefused(
            f"{what} {path} is {info.st_size:,} bytes, more than a study file can be "
            f"({MAX_BYTES:,}); check the path"
        )
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # it grew since stat()
        raise YamlRefused(f"{what} {path} is larger than {MAX_BYTES:,} bytes; check the path")
    return data.decode("utf-8")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, recursive aliases and alias bombs."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check_size(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise YamlRefused(
                        f"key {key!r} appears twice (lines {seen[key] + 1} and "
                        f"{key_node.start_mark.line + 1}); keep one"
                    )
                seen[key] = key_node.start_mark.line
            except TypeError:
                continue  # an unhashable key: SafeLoader reports it below
        return super().construct_mapping(node, deep=deep)


def _check_size(root: yaml.Node) -> None:
    """Refuse documents that refer to themselves or expand beyond :data:`MAX_NODES`."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            line = node.start_mark.line + 1
            raise YamlRefused(f"an alias at line {line} refers to itself; remove the cycle")
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
        active.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            raise YamlRefused(
                f"the document expands to more than {MAX_NODES:,} values through its "
                "aliases (&anchor / *alias); write it out plainly"
            )
        return total

    size(root)


def load_yaml(text: str) -> Any:
    """Load one YAML document strictly (see the module's description).

    Raises
    ------
    YamlRefused
        Duplicate keys, recursive aliases, alias bombs.
    yaml.YAMLError
        Invalid YAML.
    """
    return yaml.load(text, Loader=_StrictLoader)
