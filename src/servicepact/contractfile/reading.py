"""Reading a YAML file safely into plain data plus a map of where each value was written.

Why not ``yaml.safe_load``: it silently keeps the last of two equal keys, turns
``0.95`` into a binary float (0.9499999…), reads ``NO`` (Norway) as ``False``,
expands alias bombs without limit and forgets line numbers. Here the file is
*composed* into nodes (which keep their marks) and those nodes are turned into
data by hand:

- a YAML float becomes ``Decimal`` built from the text as written (inside a
  service level's free-form ``params`` it stays a float, because the KPI
  catalogue declares parameters as int or float);
- only ``true``/``false`` are booleans, only ``null``/``~``/empty are null
  (YAML 1.2 core schema), dates stay text for pydantic to parse;
- equal keys in one mapping are reported, not silently merged;
- aliases are counted and the expanded size is bounded.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from servicepact.domain.errors import Problem

PathKey = tuple[str | int, ...]

# Limits that keep a hostile file from exhausting memory or time. A real
# contract has a few hundred values and no aliases at all; these are generous.
MAX_ALIASES = 100
MAX_EXPANDED_VALUES = 200_000  # values repeated through aliases
MAX_DEPTH = 64

DOCUMENT = "(document)"  # the ``where`` of problems with the file as a whole


def format_path(path: PathKey) -> str:
    """``("contract", "levels", 1, "expected")`` → ``contract.levels[1].expected``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]" if text else repr(part)
    return text or DOCUMENT


class _CoreResolver(BaseResolver):
    """Implicit types of the YAML 1.2 core schema (no yes/no/on/off booleans, no sexagesimal)."""


_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
_CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_CoreResolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class TooManyAliases(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark | None) -> None:
        super().__init__("too many aliases")
        self.mark = mark


class _CountingComposer(Composer):
    """PyYAML's composer, counting aliases so that an alias bomb stops early."""

    aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise TooManyAliases(self.peek_event().start_mark)  # type: ignore[attr-defined]
        return super().compose_node(parent, index)


def _loader_class() -> type:
    """The composer over libyaml's parser (C), or over the pure-Python one without it."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return _python_loader_class()

    class FastLoader(_CountingComposer, CParser, _CoreResolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _CountingComposer.__init__(self)
            _CoreResolver.__init__(self)

    return FastLoader


def _python_loader_class() -> type:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class SlowLoader(Reader, Scanner, Parser, _CountingComposer, _CoreResolver):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _CountingComposer.__init__(self)
            _CoreResolver.__init__(self)

    return SlowLoader


_Loader = _loader_class()


@dataclass
class ParsedYaml:
    """Plain data, where each path was written, and the problems met on the way."""

    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)  # 1-based line, column
    problems: list[Problem] = field(default_factory=list)

    def locate(self, path: PathKey) -> tuple[int | None, int | None]:
        """Line and column of ``path``, or of its nearest parent that exists in the file."""
        for cut in range(len(path), -1, -1):
            mark = self.marks.get(path[:cut])
            if mark is not None:
                return mark
        return None, None


def _decode(raw: bytes) -> str | Problem:
    head = raw[:8192]
    if b"\x00" in head:
        return Problem(DOCUMENT, "is a binary file, not a YAML text file")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Problem(
            DOCUMENT,
            f"is not UTF-8 text (undecodable byte at offset {error.start}); save the file as UTF-8",
        )


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, refusing before reading anything when it is too large."""
    from servicepact.domain.errors import InvalidInput

    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(problems=[Problem(DOCUMENT, "no such file")], source=source) from None
    except OSError as error:
        raise InvalidInput(
            problems=[Problem(DOCUMENT, f"cannot be read ({error.strerror})")], source=source
        ) from None
    if path.is_dir():
        raise InvalidInput(
            problems=[Problem(DOCUMENT, "is a directory, not a file")], source=source
        )
    if size > max_bytes:
        raise InvalidInput(
            problems=[
                Problem(
                    DOCUMENT,
                    f"is {size:,} bytes, above the limit of {max_bytes:,} bytes for a contract "
                    "file (setting SERVICEPACT_MAX_CONTRACT_FILE_BYTES)",
                )
            ],
            source=source,
        )
    with path.open("rb") as handle:
        # Read one byte past the limit: the file may have grown since stat().
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InvalidInput(
            problems=[Problem(DOCUMENT, f"is above the limit of {max_bytes:,} bytes")],
            source=source,
        )
    return raw


def parse_yaml(raw: bytes | str) -> ParsedYaml:
    """Compose and convert one YAML document; problems are collected, never raised."""
    text = _decode(raw) if isinstance(raw, bytes) else raw
    if isinstance(text, Problem):
        return ParsedYaml(None, problems=[text])
    if not text.strip():
        return ParsedYaml(None, problems=[Problem(DOCUMENT, "is empty")])
    with _collector_paused():
        return _parse_text(text)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building a large node tree triggers many useless GC passes (no cycles are made)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_text(text: str) -> ParsedYaml:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except TooManyAliases as error:
        line, column = (error.mark.line + 1, error.mark.column + 1) if error.mark else (None, None)
        return ParsedYaml(
            None,
            problems=[
                Problem(
                    DOCUMENT,
                    f"uses more than {MAX_ALIASES} aliases (*name); refused as a possible "
                    "alias bomb — write the values out",
                    line,
                    column,
                )
            ],
        )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(p for p in (error.context, error.problem) if p)
        if "found another document" in (error.problem or ""):
            what = "holds more than one YAML document (---); put one contract in a file"
        return ParsedYaml(
            None,
            problems=[
                Problem(
                    DOCUMENT,
                    f"is not valid YAML: {what}",
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                )
            ],
        )
    except yaml.YAMLError as error:
        return ParsedYaml(None, problems=[Problem(DOCUMENT, f"is not valid YAML: {error}")])
    finally:
        loader.dispose()
    if root is None:
        return ParsedYaml(None, problems=[Problem(DOCUMENT, "is empty (only comments)")])
    result = ParsedYaml(None)
    result.marks[()] = (root.start_mark.line + 1, root.start_mark.column + 1)
    converter = _Converter(result)
    try:
        result.data = converter.convert(root, ())
    except _Refused as error:
        result.data = None
        result.problems.append(error.problem)
    return result


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Converter:
    def __init__(self, result: ParsedYaml) -> None:
        self.result = result
        self.values = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def convert(self, node: Node, path: PathKey) -> Any:
        # Only values reached a second time (through an alias) count toward the
        # limit: a large file without aliases is bounded by its size instead.
        if id(node) in self.seen:
            self.values += 1
        else:
            self.seen.add(id(node))
        if self.values > MAX_EXPANDED_VALUES:
            raise _Refused(
                Problem(
                    DOCUMENT,
                    f"expands to more than {MAX_EXPANDED_VALUES:,} values through aliases; "
                    "refused as a possible alias bomb",
                    *_mark(node),
                )
            )
        if len(path) > MAX_DEPTH:
            raise _Refused(Problem(format_path(path), "is nested too deeply", *_mark(node)))
        if id(node) in self.active:
            raise _Refused(
                Problem(format_path(path), "refers to itself through an alias", *_mark(node))
            )
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if node.tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
            raise _Refused(
                Problem(
                    format_path(path),
                    f"uses the tag {node.tag}; a contract file holds plain values only",
                    *_mark(node),
                )
            )
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                items = []
                for index, item in enumerate(node.value):
                    self.result.marks.setdefault((*path, index), _mark(item))
                    items.append(self.convert(item, (*path, index)))
                return items
            assert isinstance(node, MappingNode)
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _pairs(self, node: MappingNode, path: PathKey) -> Iterator[tuple[Node, Node, bool]]:
        """Key/value nodes, with merge keys (``<<: *base``) expanded; True marks merged pairs."""
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        raise _Refused(
                            Problem(format_path(path), "<< must merge a mapping", *_mark(source))
                        )
                    for pair in source.value:
                        yield pair[0], pair[1], True
            else:
                yield key_node, value_node, False

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        merged: set[Any] = set()
        for key_node, value_node, from_merge in self._pairs(node, path):
            if not isinstance(key_node, ScalarNode):
                self.result.problems.append(
                    Problem(format_path(path), "a key must be a plain value", *_mark(key_node))
                )
                continue
            key = self._scalar(key_node, path)
            if isinstance(key, Decimal):
                key = str(key)  # a key like 1.5 is a name, not an amount
            if key is None or isinstance(key, bool):
                key = key_node.value
            line, column = _mark(key_node)
            if key in out:
                if from_merge:
                    continue  # explicit keys win over merged ones
                if key in merged:
                    merged.discard(key)
                else:
                    self.result.problems.append(
                        Problem(
                            format_path((*path, key)),
                            f"is given twice in the same mapping (first on line "
                            f"{first_seen[key]}); YAML would silently keep only the last",
                            line,
                            column,
                        )
                    )
                    continue
            if from_merge:
                merged.add(key)
            first_seen.setdefault(key, line)
            if not from_merge or (*path, key) not in self.result.marks:
                self.result.marks[(*path, key)] = (line, column)
            out[key] = self.convert(value_node, (*path, key))
        return out

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        tag, text = node.tag, node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            cleaned = text.replace("_", "")
            try:
                return int(cleaned, 0) if cleaned.startswith(("0x", "0o")) else int(cleaned)
            except ValueError:
                return text
        if tag == "tag:yaml.org,2002:float":
            if _inside_params(path):
                return float(text)
            try:
                number = Decimal(text)
            except InvalidOperation:
                return text
            if not number.is_finite():
                return text  # .inf and .nan are not amounts; pydantic reports them as text
            return number
        if tag in (
            "tag:yaml.org,2002:str",
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:merge",
        ):
            return text
        if tag == "tag:yaml.org,2002:binary":
            raise _Refused(
                Problem(format_path(path), "binary values (!!binary) are not allowed", *_mark(node))
            )
        if tag.startswith("tag:yaml.org,2002:"):
            return text
        raise _Refused(
            Problem(
                format_path(path),
                f"uses the tag {tag}; a contract file holds plain values only",
                *_mark(node),
            )
        )


def _inside_params(path: PathKey) -> bool:
    """KPI parameters are declared int/float by the catalogue, so their floats stay floats."""
    return len(path) >= 5 and path[1] == "service_levels" and path[3] == "params"


def parse_yaml_all(raw: bytes | str) -> ParsedYaml:
    """Every document of a multi-document stream (``---``), as a list; for OpenSLO files.

    Marks are keyed by document index first: ``(0, "spec", ...)``.
    """
    text = _decode(raw) if isinstance(raw, bytes) else raw
    if isinstance(text, Problem):
        return ParsedYaml(None, problems=[text])
    result = ParsedYaml([])
    loader = _Loader(text)
    converter = _Converter(result)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            result.marks[(index,)] = _mark(node)
            result.data.append(converter.convert(node, (index,)))
            index += 1
    except TooManyAliases as error:
        line, column = (error.mark.line + 1, error.mark.column + 1) if error.mark else (None, None)
        result.problems.append(
            Problem(DOCUMENT, f"uses more than {MAX_ALIASES} aliases; refused", line, column)
        )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        result.problems.append(
            Problem(
                DOCUMENT,
                f"is not valid YAML: {error.problem}",
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
            )
        )
    except _Refused as error:
        result.problems.append(error.problem)
    finally:
        loader.dispose()
    if not result.problems and not result.data:
        result.problems.append(Problem(DOCUMENT, "is empty"))
    return result
