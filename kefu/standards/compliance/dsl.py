"""The pattern language of ``rulebooks/forbidden.yaml`` (documented at the top of that file).

A pattern compiles to a chain of *segments* (each a set of literal alternatives, the anchors fed to
the Aho–Corasick automaton) joined by *gaps* (bounded distances, optionally restricted to particle
characters).  The same chain can be written as a regular expression, which the benchmark uses as
its baseline.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_GAP = 12
ELLIPSIS = "…"
PARTICLE_SLOT = "_"
PARTICLE_SLOT_MAX = 2


class PatternError(ValueError):
    """A rulebook pattern that does not follow the DSL."""


@dataclass(frozen=True)
class Gap:
    min: int
    max: int
    particles_only: bool = False


@dataclass(frozen=True)
class Chain:
    """segments[i] are the literal alternatives of part i; gaps[i] sits between part i and i+1."""

    segments: tuple[tuple[str, ...], ...]
    gaps: tuple[Gap, ...]


_GAP_BOUNDS = re.compile(r"\{(\d+),(\d+)\}")


def _tokens(pattern: str, default_gap: int) -> list[object]:
    """Splits a pattern into literal strings, alternative lists and gaps."""
    tokens: list[object] = []
    i = 0
    literal: list[str] = []

    def flush() -> None:
        if literal:
            tokens.append(["".join(literal)])
            literal.clear()

    while i < len(pattern):
        ch = pattern[i]
        if ch == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise PatternError(f"模式缺少右花括号：{pattern}")
            flush()
            tokens.append(pattern[i + 1 : end].split("|"))
            i = end + 1
        elif ch == ELLIPSIS:
            flush()
            bounds = _GAP_BOUNDS.match(pattern, i + 1)
            if bounds:
                lo, hi = int(bounds.group(1)), int(bounds.group(2))
                i = bounds.end()
            else:
                lo, hi = 0, default_gap
                i += 1
            if not 0 <= lo <= hi <= MAX_GAP:
                raise PatternError(f"间隔范围无效（应为 0 ≤ m ≤ n ≤ {MAX_GAP}）：{pattern}")
            tokens.append(Gap(lo, hi))
        elif ch == PARTICLE_SLOT:
            flush()
            tokens.append(Gap(0, PARTICLE_SLOT_MAX, particles_only=True))
            i += 1
        elif ch in "}|":
            raise PatternError(f"模式中出现多余的“{ch}”：{pattern}")
        else:
            literal.append(ch)
            i += 1
    flush()
    return tokens


def parse(pattern: str, normalize: Callable[[str], str], default_gap: int = 4) -> Chain:
    """Compiles a DSL pattern; ``normalize`` is applied to every literal alternative."""
    segments: list[tuple[str, ...]] = []
    gaps: list[Gap] = []
    parts: list[list[str]] = []

    def close_segment() -> None:
        if not parts:
            raise PatternError(f"间隔两侧必须有文字：{pattern}")
        alternatives = {normalize("".join(combo)) for combo in itertools.product(*parts)}
        if "" in alternatives:
            raise PatternError(f"模式的某一段可能为空：{pattern}")
        segments.append(tuple(sorted(alternatives, key=lambda a: (-len(a), a))))
        parts.clear()

    for token in _tokens(pattern, default_gap):
        if isinstance(token, Gap):
            close_segment()
            gaps.append(token)
        else:
            assert isinstance(token, list)
            parts.append(token)
    close_segment()
    return Chain(tuple(segments), tuple(gaps))


def chain_to_regex(chain: Chain, particles: str) -> str:
    """The same chain as a Python regular expression over normalised text."""
    particle_class = "[" + re.escape(particles) + "]"
    out: list[str] = []
    for i, alternatives in enumerate(chain.segments):
        if i:
            gap = chain.gaps[i - 1]
            unit = particle_class if gap.particles_only else "."
            out.append(f"{unit}{{{gap.min},{gap.max}}}")
        out.append("(?:" + "|".join(re.escape(a) for a in alternatives) + ")")
    return "".join(out)
