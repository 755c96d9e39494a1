"""The data files an association edits, and the one error their loaders raise.

Platforms (`platforms/platforms.toml`), report destinations (`advice/resources.toml`) and advice
texts (`advice/texts.toml`) are edited by people who are not developers. Whatever file is wrong,
the service refuses to start with the same kind of error, whose message names the file, the
entry and the field at fault, so one `except CatalogueError` serves the CLI and the workers.

A leaf module: it imports nothing of the service.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["CatalogueError", "read_data_file"]

_Parsed = TypeVar("_Parsed")


class CatalogueError(ValueError):
    """A data file is wrong. `entry` and `field` are set when one place is at fault; a loader that
    gathers every problem at once lists them in the message, one per line."""

    def __init__(self, message: str, *, entry: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        self.field = field
        self.problem = message

    @classmethod
    def at(cls, entry: str, field: str, problem: str) -> CatalogueError:
        """The error for one entry's one field (the platform catalogue's wording)."""
        message = f"platform catalogue: entry {entry!r}, field {field!r}: {problem}"
        error = cls(message, entry=entry, field=field)
        error.problem = problem
        return error


def read_data_file(path: Path, parse: Callable[[Mapping[str, Any], str], _Parsed]) -> _Parsed:
    """`parse(document, file name)` of the TOML file at `path`; a file that cannot be read or is
    not TOML is a CatalogueError naming it, like any other fault in it."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path.name}: cannot read: {exc}") from exc
    return parse(doc, path.name)
