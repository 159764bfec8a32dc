"""The checker: one Aho–Corasick pass over normalised text, gap joins, exceptions, offset mapping.

The key anchors of every pattern (rules and exceptions alike) sit in ONE Aho–Corasick automaton.
A reply is folded with one C-level ``str.translate`` and scanned once; doubled pattern characters
are automaton words too, and only when one shows up is the text run-collapsed and scanned again.
Python-level work starts only when keys are reported: the other parts of a multi-part pattern are
verified around the key within their bounded gaps, exceptions overlapping a match of a rule they
apply to suppress it, and the offset map back to the original text is built.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import partial
from itertools import accumulate, compress
from typing import NoReturn

import ahocorasick

from kefu.standards.compliance.dsl import Chain, parse
from kefu.standards.compliance.rulebook import CHANNEL_NAMES, CHANNELS, Rule, Rulebook, load_prescribed
from kefu.standards.text import Normalizer

SEVERITY_RANK = {"severe": 3, "major": 2, "minor": 1}

# Separator of replies in ``Checker.check_many``: a noncharacter, deleted as noise by the normal
# table, kept by the batch table, and part of no key; a batch holding it falls back to ``check``.
BATCH_SEPARATOR = "\uffff"


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
    scope: str = "clause"
    uncertain: bool = False  # found by the intent layer, not a pattern: a warning, never a refusal

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Matcher:
    """One compiled pattern; ``owner`` is a rule index (kind "rule") or exception index."""

    kind: str
    owner: int
    chain: Chain


@dataclass(frozen=True)
class _Compiled:
    """A matcher prepared for verification around a hit of its key segment."""

    key: int
    alts: tuple[frozenset[str], ...]
    lengths: tuple[tuple[int, ...], ...]


def _compile(chain: Chain, sample: str) -> _Compiled:
    # The key segment is the one whose alternatives are rarest in ordinary compliant replies
    # (counted in ``sample``, the prescribed phrases): only its alternatives go into the
    # automaton, so common words (我们, 抱歉, 吗) never cost a Python-level step.  Longer and fewer
    # alternatives break ties.
    def cost(i: int) -> tuple[int, int, int]:
        seg = chain.segments[i]
        return (sum(sample.count(a) for a in seg), -min(len(a) for a in seg), len(seg))

    key = min(range(len(chain.segments)), key=cost)
    return _Compiled(
        key=key,
        alts=tuple(frozenset(seg) for seg in chain.segments),
        lengths=tuple(tuple(sorted({len(a) for a in seg}, reverse=True)) for seg in chain.segments),
    )


def _right(
    norm: str, chain: Chain, comp: _Compiled, particles: frozenset[str], seg: int, prev_end: int
) -> int:
    """End of the earliest completion of segments seg.. after prev_end, or -1."""
    if seg == len(chain.segments):
        return prev_end
    gap = chain.gaps[seg - 1]
    alts, lengths = comp.alts[seg], comp.lengths[seg]
    # Run-collapsing may merge the last character of one part with the first of the next
    # (你问我，我问谁 → 你问我问谁): a one-character overlap on the same character is accepted.
    first = prev_end - 1 if gap.min == 0 else prev_end + gap.min
    for pos in range(first, min(prev_end + gap.max, len(norm) - 1) + 1):
        if gap.particles_only and not set(norm[prev_end:pos]) <= particles:
            break
        for length in lengths:
            if pos + length <= len(norm) and norm[pos : pos + length] in alts:
                found = _right(norm, chain, comp, particles, seg + 1, pos + length)
                if found >= 0:
                    return found
    return -1


def _left(
    norm: str, chain: Chain, comp: _Compiled, particles: frozenset[str], seg: int, next_start: int
) -> int:
    """Start of the closest completion of segments ..seg before next_start, or -1."""
    if seg < 0:
        return next_start
    gap = chain.gaps[seg]
    alts, lengths = comp.alts[seg], comp.lengths[seg]
    last = next_start + 1 if gap.min == 0 else next_start - gap.min
    for end in range(last, max(next_start - gap.max, 1) - 1, -1):
        if end > next_start and norm[end - 1] != norm[next_start]:
            continue
        if gap.particles_only and not set(norm[end:next_start]) <= particles:
            break
        for length in lengths:
            if end - length >= 0 and norm[end - length : end] in alts:
                found = _left(norm, chain, comp, particles, seg - 1, end - length)
                if found >= 0:
                    return found
    return -1


class _Scanner:
    """One Aho–Corasick automaton over all keys, reporting overlapping (key, start, end).

    ``ahocorasick_rs`` (Rust) returns all matches of a text in one call and measured about twice
    as fast as ``pyahocorasick`` on our keys (see docs/PERFORMANCE.md); pyahocorasick is the
    fallback where the Rust wheel is unavailable.
    """

    def __init__(self, keys: list[str]) -> None:
        try:
            import ahocorasick_rs
        except ImportError:  # pragma: no cover - depends on the installed wheels
            self._rs = None
            self._py = ahocorasick.Automaton()
            for i, key in enumerate(keys):
                self._py.add_word(key, (i, len(key)))
            self._py.make_automaton()
        else:
            self._rs = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.Standard)

        # ``find`` is bound once: on the Rust side it is a C-level partial, no Python frame per call.
        self.find: Callable[[str], list[tuple[int, int, int]]] = (
            self._find_py if self._rs is None else partial(self._rs.find_matches_as_indexes, overlapping=True)
        )

    def _find_py(self, text: str) -> list[tuple[int, int, int]]:
        return [(i, end + 1 - n, end + 1) for end, (i, n) in self._py.iter(text)]


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
        # Only a repeat inside an anchor can hide it (不不知道 still contains 不知道 at its end), so
        # runs are collapsed for characters standing inside some anchor, minus `no_collapse` (您:
        # dropping punctuation joins 谢谢您。您的订单 into 您您, which must stay cheap).
        alphabet = {
            ch for chain in folded for seg in chain.segments for alt in seg for ch in alt[1:-1]
        } - set(rulebook.no_collapse)
        self.normalizer = Normalizer(collapse="".join(sorted(alphabet)))
        norm = self.normalizer.fold_collapse
        self.matchers: list[Matcher] = [
            Matcher(kind, owner, parse(p, norm, rulebook.default_gap)) for kind, owner, p in raw_patterns
        ]

        sample = "\n".join(norm(p.text) for p in load_prescribed())
        self.compiled = [_compile(m.chain, sample) for m in self.matchers]
        table: dict[str, list[tuple[int, int]]] = {}
        for m_idx, (matcher, comp) in enumerate(zip(self.matchers, self.compiled, strict=True)):
            for alt in matcher.chain.segments[comp.key]:
                table.setdefault(alt, []).append((m_idx, len(alt)))
        # Doubled pattern characters (不不, 知知) are words too, with no entries: when one occurs
        # the text is run-collapsed and scanned again, so the common case needs no collapsing pass.
        for ch in sorted(alphabet):
            table.setdefault(ch + ch, [])
        self.keys = list(table)
        self.key_entries = [tuple(table[k]) for k in self.keys]
        self._scanner = _Scanner(self.keys)

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
        # Hot-path handles, bound once: the table, the scanner call, and per channel the bound
        # ``search`` of its symbol regex (None when the channel has no symbol rule).
        self._table = self.normalizer.table
        self._find = self._scanner.find
        self._symbol_search: dict[str, Callable[[str], re.Match[str] | None] | None] = {
            ch: (None if rx is None else rx.search) for ch, rx in self.symbol_regex.items()
        }
        batch_table = list(self._table)
        batch_table[ord(BATCH_SEPARATOR)] = ord(BATCH_SEPARATOR)
        self._batch_table = batch_table

    # ------------------------------------------------------------------ matching
    def _scan(self, norm: str) -> list[tuple[int, int, int]] | None:
        """Key-segment hits (matcher, start, end), or None when the text holds a doubled character."""
        return self._hits(self._find(norm))

    def _hits(self, keys: list[tuple[int, int, int]]) -> list[tuple[int, int, int]] | None:
        """Automaton (key, start, end) reports → (matcher, start, end); None on a doubled character."""
        hits: list[tuple[int, int, int]] = []
        key_entries = self.key_entries
        for k_idx, start, end in keys:
            entries = key_entries[k_idx]
            if not entries:
                return None
            for m_idx, _length in entries:
                hits.append((m_idx, start, end))
        return hits

    def _matches(self, norm: str, hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """(matcher index, start, end) of every pattern match in normalised text."""
        hits.sort(key=lambda h: (h[0], h[1], -h[2]))
        found: list[tuple[int, int, int]] = []
        taken: dict[int, int] = {}
        particles = self.particles
        for m_idx, start, end in hits:
            if start < taken.get(m_idx, -1):
                continue
            chain = self.matchers[m_idx].chain
            if len(chain.segments) > 1:
                comp = self.compiled[m_idx]
                end = _right(norm, chain, comp, particles, comp.key + 1, end)
                if end < 0:
                    continue
                start = _left(norm, chain, comp, particles, comp.key - 1, start)
                if start < 0:
                    continue
            found.append((m_idx, start, end))
            taken[m_idx] = end
        return found

    def check(self, text: str, channel: str = "phone") -> list[Violation]:
        """Every violation in ``text`` sent on ``channel``, sorted by start; spans index ``text``."""
        try:
            search = self._symbol_search[channel]
        except KeyError:
            _unknown_channel(channel)
        norm = text.translate(self._table)
        keys = self._find(norm)
        if not keys:
            # Fast path (most replies): no key of any pattern, no doubled pattern character.
            if search is None or search(text) is None:
                return []
            return self._report(text, norm, [], channel)
        return self._check_keys(text, norm, keys, channel)

    def _check_folded(self, text: str, norm: str, channel: str) -> list[Violation]:
        """``check`` once ``norm = text.translate(table)`` is known."""
        return self._check_keys(text, norm, self._find(norm), channel)

    def _check_keys(
        self, text: str, norm: str, keys: list[tuple[int, int, int]], channel: str
    ) -> list[Violation]:
        hits = self._hits(keys)
        if hits is None:
            norm = self.normalizer.collapse(norm)
            hits = self._scan(norm) or []
        return self._report(text, norm, hits, channel)

    def check_many(self, replies: Iterable[str], channel: str = "phone") -> list[list[Violation]]:
        """``[self.check(r, channel) for r in replies]``, computed for a whole batch at once.

        The batch is joined with :data:`BATCH_SEPARATOR`, folded with ONE ``str.translate`` and
        scanned with ONE automaton call; only replies where a key (or, on chat, a symbol) shows up
        are then checked one by one with :meth:`check`.  A clean reply costs no Python-level step,
        and results are identical to per-reply checking (keys never contain the separator, and
        folding is per character).
        """
        if channel not in self._symbol_search:
            _unknown_channel(channel)
        batch = replies if isinstance(replies, list) else list(replies)
        count = len(batch)
        results: list[list[Violation]] = [[] for _ in range(count)]
        if not count:
            return results
        joined = BATCH_SEPARATOR.join(batch)
        if joined.count(BATCH_SEPARATOR) != count - 1:  # a reply holds the separator itself
            return [self.check(text, channel) for text in batch]
        norm = joined.translate(self._batch_table)
        keys = self._find(norm)
        flagged: set[int] = set()
        folded: list[str] = []
        if keys:
            folded = norm.split(BATCH_SEPARATOR)
            # ends[i]: index just past reply i's separator in the folded batch.
            ends = list(accumulate(map((1).__add__, map(len, folded))))
            flagged.update(bisect_right(ends, start) for _, start, _ in keys)
        search = self._symbol_search[channel]
        if search is not None:
            flagged.update(compress(range(count), map(search, batch)))
        for i in flagged:
            # The reply's folded text is its own slice of the batch (folding is per character).
            text = batch[i]
            results[i] = self._check_folded(
                text, folded[i] if folded else text.translate(self._table), channel
            )
        return results

    def _report(
        self, text: str, norm: str, hits: list[tuple[int, int, int]], channel: str
    ) -> list[Violation]:
        """Violations from key hits in ``norm`` (the normalised ``text``) and symbol rules."""
        active = self.active[channel]
        candidates: list[tuple[int, int, int]] = []  # (rule index, original start, original end)
        found = self._matches(norm, hits) if hits else []
        if found:
            exceptions: list[tuple[int, int, int]] = []
            rule_hits: list[tuple[int, int, int]] = []
            for m_idx, start, end in found:
                matcher = self.matchers[m_idx]
                if matcher.kind == "exception":
                    exceptions.append((matcher.owner, start, end))
                elif matcher.owner in active:
                    rule_hits.append((matcher.owner, start, end))
            kept: list[tuple[int, int, int]] = []
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
                kept.append((r_idx, start, end))
            if kept:
                # Spans are mapped back only when a match survives its exceptions.
                # norm == fold_collapse(text): a text without doubled words has no run to collapse.
                starts, ends = self.normalizer.span_bounds(text, norm)
                candidates += [
                    (r_idx, starts[start], starts[end - 1] + 1 if ends is None else ends[end - 1])
                    for r_idx, start, end in kept
                ]
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
        kept = [(r, _trim_merged_run(text, s, e), e) for r, s, e in kept]
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
                rewrite=rules[r].rewrite_for(self.normalizer.fold_collapse(text[s:e]))
                if rules[r].rewrites
                else rules[r].rewrite,
                source=rules[r].source,
                scope=rules[r].scope,
            )
            for r, s, e in kept
        ]


def _trim_merged_run(text: str, start: int, end: int) -> int:
    """The start of a span that run-collapsing let begin one clause early: in 投诉我，我就这态度 the match of
    我就这态度 starts at the first 我 (我，我 collapse to one); the agent reads it in its own clause."""
    head = text[start:end]
    for i, ch in enumerate(head):
        if not ch.isalnum():
            continue
        j = i + 1
        while j < len(head) and not head[j].isalnum():
            j += 1
        if j > i + 1 and j < len(head) and head[j] == ch:
            return start + j
        return start
    return start


def _unknown_channel(channel: str) -> NoReturn:
    known = "、".join(f"{c}（{CHANNEL_NAMES[c]}）" for c in CHANNELS)
    raise ValueError(f"未知的渠道“{channel}”，可选：{known}")
