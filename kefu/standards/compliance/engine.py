"""The checker: one Aho–Corasick pass over normalised text, gap joins, exceptions, offset mapping.

Every literal anchor of every pattern (rules and exceptions alike) sits in ONE automaton.  A reply
is normalised with two C-level passes (``str.translate`` and a run-collapsing regex), the automaton
is iterated once, and only when it reports anchors does Python-level work start: anchors of
multi-part patterns are joined in order within their bounded gaps, exceptions overlapping a match
of a rule they apply to suppress it, and the offset map back to the original text is built.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import ahocorasick

from kefu.standards.compliance.dsl import Chain, parse
from kefu.standards.compliance.rulebook import CHANNEL_NAMES, CHANNELS, Rule, Rulebook
from kefu.standards.text import Normalizer

SEVERITY_RANK = {"severe": 3, "major": 2, "minor": 1}


@dataclass(frozen=True)
class Violation:
    rule_id: str
    start: int
    end: int
    text: str
    category: str
    category_code: str
    severity: str
    message: str
    rewrite: str
    source: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Matcher:
    """One compiled pattern; ``owner`` is a rule index (kind "rule") or exception index."""

    kind: str
    owner: int
    chain: Chain


def _first_chain(
    norm: str,
    hits: list[list[tuple[int, int]]],
    chain: Chain,
    particles: frozenset[str],
    seg: int,
    prev_end: int,
) -> int:
    """End of the earliest completion of the chain from segment ``seg`` on, or -1."""
    gap = chain.gaps[seg - 1]
    last_char = norm[prev_end - 1]
    for start, end in hits[seg]:
        lo = prev_end + gap.min
        # Run-collapsing may merge the last character of one part with the first of the next
        # (你问我，我问谁 → 你问我问谁): accept a one-character overlap on the same character.
        if start < lo and not (start == prev_end - 1 and norm[start] == last_char and gap.min == 0):
            continue
        if start > prev_end + gap.max:
            break
        if gap.particles_only and not set(norm[prev_end:start]) <= particles:
            continue
        if seg + 1 == len(chain.segments):
            return end
        found = _first_chain(norm, hits, chain, particles, seg + 1, end)
        if found >= 0:
            return found
    return -1


class Checker:
    """Compiled once per profile; ``check`` is thread-safe (no shared mutable state)."""

    def __init__(self, rulebook: Rulebook, profile: str = "generic") -> None:
        self.profile = profile
        self.rules: tuple[Rule, ...] = rulebook.rules_for(profile)
        self.particles = frozenset(rulebook.particles)
        rule_index = {r.id: i for i, r in enumerate(self.rules)}

        raw_patterns: list[tuple[str, int, str]] = []
        for i, rule in enumerate(self.rules):
            raw_patterns += [("rule", i, p) for p in rule.patterns]
        # scope[e] = rule indices exception e applies to (None: all rules).
        self.exception_scope: list[frozenset[int] | None] = []
        for exc in rulebook.exceptions:
            scope = (
                None if exc.rules is None else frozenset(rule_index[r] for r in exc.rules if r in rule_index)
            )
            self.exception_scope.append(scope)
            raw_patterns.append(("exception", len(self.exception_scope) - 1, exc.pattern))
        for i, rule in enumerate(self.rules):
            for pattern in rule.exceptions:
                self.exception_scope.append(frozenset({i}))
                raw_patterns.append(("exception", len(self.exception_scope) - 1, pattern))

        # Patterns are normalised like the text.  Runs are collapsed only for characters the
        # patterns use: runs of other characters cannot change whether a pattern matches.
        folder = Normalizer(collapse="")
        folded = [parse(p, folder.fold_collapse, rulebook.default_gap) for _, _, p in raw_patterns]
        alphabet = {ch for chain in folded for seg in chain.segments for alt in seg for ch in alt}
        self.normalizer = Normalizer(collapse="".join(sorted(alphabet)))
        norm = self.normalizer.fold_collapse
        self.matchers: list[Matcher] = [
            Matcher(kind, owner, parse(p, norm, rulebook.default_gap)) for kind, owner, p in raw_patterns
        ]

        table: dict[str, list[tuple[int, int, int]]] = {}
        for m_idx, matcher in enumerate(self.matchers):
            for seg_idx, alternatives in enumerate(matcher.chain.segments):
                for alt in alternatives:
                    table.setdefault(alt, []).append((m_idx, seg_idx, len(alt)))
        self.automaton = ahocorasick.Automaton()
        for key, entries in table.items():
            self.automaton.add_word(key, tuple(entries))
        self.automaton.make_automaton()

        self.active: dict[str, frozenset[int]] = {
            ch: frozenset(i for i, r in enumerate(self.rules) if ch in r.channels) for ch in CHANNELS
        }
        self.symbol_regex: dict[str, re.Pattern[str] | None] = {}
        for ch in CHANNELS:
            parts = [
                f"(?P<r{i}>{r.symbols})"
                for i, r in enumerate(self.rules)
                if r.symbols and i in self.active[ch]
            ]
            self.symbol_regex[ch] = re.compile("|".join(parts)) if parts else None

    # ------------------------------------------------------------------ matching
    def _matches(self, norm: str) -> list[tuple[int, int, int]]:
        """(matcher index, start, end) of every pattern match in normalised text."""
        hits: dict[int, list[list[tuple[int, int]]]] = {}
        matchers = self.matchers
        for end, entries in self.automaton.iter(norm):
            for m_idx, seg_idx, length in entries:
                per = hits.get(m_idx)
                if per is None:
                    per = hits[m_idx] = [[] for _ in matchers[m_idx].chain.segments]
                per[seg_idx].append((end + 1 - length, end + 1))
        found: list[tuple[int, int, int]] = []
        for m_idx, per in hits.items():
            chain = matchers[m_idx].chain
            if not all(per):
                continue
            for lst in per:
                lst.sort(key=lambda h: (h[0], -h[1]))
            taken_until = -1
            for start, end in per[0]:
                if start < taken_until:
                    continue
                if len(per) > 1:
                    end = _first_chain(norm, per, chain, self.particles, 1, end)
                    if end < 0:
                        continue
                found.append((m_idx, start, end))
                taken_until = end
        return found

    def check(self, text: str, channel: str = "phone") -> list[Violation]:
        """Every violation in ``text`` sent on ``channel``, sorted by start; spans index ``text``."""
        if channel not in CHANNELS:
            known = "、".join(f"{c}（{CHANNEL_NAMES[c]}）" for c in CHANNELS)
            raise ValueError(f"未知的渠道“{channel}”，可选：{known}")
        active = self.active[channel]
        normalized = self.normalizer.normalize(text)
        norm = normalized.text
        candidates: list[tuple[int, int, int]] = []  # (rule index, original start, original end)
        found = self._matches(norm) if norm else []
        if found:
            exceptions: list[tuple[int, int, int]] = []
            rule_hits: list[tuple[int, int, int]] = []
            for m_idx, start, end in found:
                matcher = self.matchers[m_idx]
                if matcher.kind == "exception":
                    exceptions.append((matcher.owner, start, end))
                elif matcher.owner in active:
                    rule_hits.append((matcher.owner, start, end))
            spans = normalized.offsets() if rule_hits else []
            for r_idx, start, end in rule_hits:
                if any(
                    (scope is None or r_idx in scope) and x_start < end and start < x_end
                    for e_idx, x_start, x_end in exceptions
                    for scope in (self.exception_scope[e_idx],)
                ):
                    continue
                if len(self.rules[r_idx].rewrite) > 1:
                    # Absorb trailing particles so the rewrite leaves no dangling 啊/吧 behind.
                    limit = min(len(norm), end + 2)
                    while end < limit and norm[end] in self.particles:
                        end += 1
                candidates.append((r_idx, spans[start][0], spans[end - 1][1]))
        symbols = self.symbol_regex[channel]
        if symbols is not None:
            for m in symbols.finditer(text):
                assert m.lastgroup is not None
                candidates.append((int(m.lastgroup[1:]), m.start(), m.end()))
        if not candidates:
            return []
        return self._violations(text, candidates)

    def _violations(self, text: str, candidates: list[tuple[int, int, int]]) -> list[Violation]:
        rules = self.rules
        # Strongest and longest first; a match inside a stronger (or equal and longer) one is
        # dropped: 你 inside 你问我，我问谁 is reported once, as the severe phrase.
        ordered = sorted(
            set(candidates),
            key=lambda c: (-SEVERITY_RANK[rules[c[0]].severity], c[1] - c[2], c[1]),
        )
        kept: list[tuple[int, int, int]] = []
        for r_idx, start, end in ordered:
            rank = SEVERITY_RANK[rules[r_idx].severity]
            if any(
                k_start <= start and end <= k_end and SEVERITY_RANK[rules[k_idx].severity] >= rank
                for k_idx, k_start, k_end in kept
            ):
                continue
            kept.append((r_idx, start, end))
        kept.sort(key=lambda c: (c[1], c[2]))
        return [
            Violation(
                rule_id=rules[r].id,
                start=s,
                end=e,
                text=text[s:e],
                category=rules[r].category,
                category_code=rules[r].category_code,
                severity=rules[r].severity,
                message=rules[r].message,
                rewrite=rules[r].rewrite,
                source=rules[r].source,
            )
            for r, s, e in kept
        ]
