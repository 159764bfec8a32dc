"""Loading the express rulebooks (YAML data) into one immutable `Rulebook`.

Each YAML file under `kefu/express/rulebooks/` is one section: `waybill`,
`network`, `tariff`, `prohibited`, `claims`, `service`. A brand overrides a rule by
passing a nested mapping to `load_rulebook(overrides=...)`: mappings are merged key by
key, lists and scalars are replaced, so no code changes are needed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kefu.standards.rulebook import RulebookFileError, read_rulebook

RULEBOOK_DIR = Path(__file__).resolve().parent.parent / "rulebooks"
SECTIONS = ("waybill", "network", "tariff", "prohibited", "claims", "service")


class RulebookError(ValueError):
    """A rulebook file is missing or malformed (message in Chinese)."""


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


@dataclass(frozen=True, eq=False)
class Rulebook:
    """All express rule data; sections are plain mappings read from YAML."""

    waybill: Mapping[str, Any]
    network: Mapping[str, Any]
    tariff: Mapping[str, Any]
    prohibited: Mapping[str, Any]
    claims: Mapping[str, Any]
    service: Mapping[str, Any]
    # Compiled matchers (waybill formats, prohibited-item automaton) cached per rulebook.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def section(self, name: str) -> Mapping[str, Any]:
        if name not in SECTIONS:
            raise KeyError(name)
        value: Mapping[str, Any] = getattr(self, name)
        return value

    def with_overrides(self, overrides: Mapping[str, Any]) -> Rulebook:
        """A new rulebook with `overrides` ({section: {...}}) merged in."""
        unknown = set(overrides) - set(SECTIONS)
        if unknown:
            raise RulebookError(f"未知的规则集部分：{', '.join(sorted(unknown))}")
        return _build({name: _merge(self.section(name), overrides.get(name, {})) for name in SECTIONS})


def _build(data: Mapping[str, Mapping[str, Any]]) -> Rulebook:
    return Rulebook(
        waybill=data["waybill"],
        network=data["network"],
        tariff=data["tariff"],
        prohibited=data["prohibited"],
        claims=data["claims"],
        service=data["service"],
    )


def _read(directory: Path, name: str) -> Mapping[str, Any]:
    path = directory / f"{name}.yaml"
    try:
        return read_rulebook(path)
    except RulebookFileError as exc:
        raise RulebookError(str(exc)) from exc


def load_rulebook(directory: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Rulebook:
    """Read every section from `directory` (default: the shipped rulebooks)."""
    base = directory or RULEBOOK_DIR
    book = _build({name: _read(base, name) for name in SECTIONS})
    return book.with_overrides(overrides) if overrides else book


@lru_cache(maxsize=1)
def default_rulebook() -> Rulebook:
    """The shipped rulebook, loaded once per process."""
    return load_rulebook()
