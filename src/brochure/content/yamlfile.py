"""Strict YAML reading: line numbers kept, duplicate keys, anchors and tags refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import DataError

#: Files larger than this are refused before parsing.
MAX_YAML_BYTES = 1_000_000

Loc = tuple[str | int, ...]


#: libyaml's parser when PyYAML has it (about ten times faster), else the pure-Python one.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader where only true/false are booleans (so `NO` stays a string)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML plus the line on which each value starts."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest value on `loc` that the file has."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def where(self, loc: Loc) -> str:
        """`file:line` for a location in this document."""
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)

    def strings(self) -> Iterator[tuple[Loc, str]]:
        """Every string in the document, with its location, in document order."""
        return _strings(self.data, ())


def _strings(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*loc, i))


def read_yaml(path: Path) -> YamlDoc:
    """Read one YAML file strictly; raise DataError naming the file and line."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DataError(f"{path}: not a regular file")
        if size > MAX_YAML_BYTES:
            raise DataError(
                f"{path}: {size:,} bytes is over the {MAX_YAML_BYTES:,}-byte limit for a data file"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDoc:
    """Parse YAML text; see `read_yaml`."""
    try:
        _refuse_anchors_and_tags(text, path)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise DataError(f"{path}{line}: malformed YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: malformed YAML: {exc}") from exc
    if node is None:
        raise DataError(f"{path}: the file is empty")
    lines: dict[Loc, int] = {}
    data = _build(node, (), lines, path, loader)
    return YamlDoc(path, data, lines)


def _refuse_anchors_and_tags(text: str, path: Path) -> None:
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise DataError(f"{path}:{line}: YAML aliases (*{event.anchor}) are not allowed")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise DataError(f"{path}:{line}: YAML anchors (&{anchor}) are not allowed")
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, yaml.NodeEvent):
            raise DataError(f"{path}:{line}: YAML tags ({tag}) are not allowed; quote the value")


def _build(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path, loader: _Loader) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        key_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DataError(f"{path}:{line}: YAML merge keys (<<) are not allowed")
            key = _scalar(key_node, path, loader)
            if not isinstance(key, str | int):
                raise DataError(f"{path}:{line}: keys must be plain words")
            if key in out:
                raise DataError(
                    f"{path}:{line}: duplicate key {key!r} (first given on line {key_lines[key]})"
                )
            key_lines[key] = line
            out[key] = _build(value_node, (*loc, key), lines, path, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), lines, path, loader) for i, item in enumerate(node.value)]
    return _scalar(node, path, loader)


def _scalar(node: yaml.Node, path: Path, loader: _Loader) -> Any:
    """Construct one scalar; an impossible value such as 2023-02-30 names its line."""
    try:
        return loader.construct_object(node)
    except (ValueError, yaml.YAMLError) as exc:
        line = node.start_mark.line + 1
        raise DataError(f"{path}:{line}: {node.value!r} is not a valid value ({exc})") from exc


def describe_errors(exc: ValidationError, doc: YamlDoc, model: type[BaseModel]) -> list[str]:
    """Turn a pydantic error into `file:line: field: problem` lines."""
    problems = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        name = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            msg = f"unknown field{hint}"
        elif err["type"] == "missing":
            msg = "required field is missing"
        else:
            msg = err["msg"]
        problems.append(f"{doc.where(loc)}: {name}: {msg}")
    return problems


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names allowed at `loc` inside `model`, where they can be found."""
    current: Any = model
    skip_key = False
    for part in loc:
        if isinstance(part, int) or skip_key:
            skip_key = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        skip_key = get_origin(info.annotation) is dict  # next part is a key, not a field
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The first BaseModel class inside a type annotation, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
