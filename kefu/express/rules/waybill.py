"""Waybill numbers (运单号): normalisation and carrier identification.

A number is matched against every format in the `waybill` rulebook section (the
brands' own and other carriers'). All-digit numbers can fit several carriers, so the
answer is a ranked list of candidates, never one guess presented as certain: each
candidate's score is its carrier's prior weight divided by how many numbers of that
length its format admits (the narrower format is the likelier explanation), and the
scores are normalised into `confidence` values that sum to 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kefu import typed

from .rulebook import Rulebook, RulebookError, default_rulebook

_CHARSETS = {"digits": ("0-9", 10), "letters": ("A-Z", 26), "alnum": ("0-9A-Z", 36)}
# Sub-parcel suffixes of multi-piece shipments (子单号): SF1234567890123-1-1, …-2.
_SUB_PARCEL = re.compile(r"(?:-\d{1,3}){1,3}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def normalise_waybill(raw: str) -> str:
    """Upper case, half-width, no spaces, sub-parcel suffix removed."""
    return _SUB_PARCEL.sub("", typed.code(raw))


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("S10 serial must be 8 digits")
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def s10_is_valid(number: str) -> bool:
    """True when `number` has the S10 shape (AA12345678 9 CC) and its check digit holds."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{9}[A-Z]{2}", number):
        return False
    return s10_check_digit(number[2:10]) == int(number[10])


_CHECKS = {"s10": s10_is_valid}


@dataclass(frozen=True)
class _Format:
    carrier: str
    name: str
    own: bool
    prior: float
    format_id: str
    pattern: re.Pattern[str]
    # log10 of how many numbers of each total length the format admits
    log_sizes: Mapping[int, float]
    check: str | None

    def log_size(self, number: str) -> float | None:
        if not self.pattern.fullmatch(number):
            return None
        return self.log_sizes.get(len(number))


def _compile(entry: Mapping[str, Any], spec: Mapping[str, Any], own: bool) -> _Format:
    fid = str(spec.get("id", entry["code"]))
    prefixes = [str(p).upper() for p in spec.get("prefixes", [""])]
    suffixes = [str(s).upper() for s in spec.get("suffixes", [""])]
    if len({len(p) for p in prefixes}) != 1 or len({len(s) for s in suffixes}) != 1:
        raise RulebookError(f"单号格式 {fid} 的前缀或后缀长度必须一致")
    fixed = len(prefixes[0]) + len(suffixes[0])
    literal_log = math.log10(len(prefixes)) + math.log10(len(suffixes))
    segments: list[tuple[str, int, int]] = []  # (class, min count, max count)
    if "segments" in spec:
        for seg in spec["segments"]:
            if seg["chars"] not in _CHARSETS:
                raise RulebookError(f"单号格式 {fid} 的字符类别未知：{seg['chars']}")
            segments.append((seg["chars"], int(seg["count"]), int(seg["count"])))
    else:
        length = spec["length"]
        lo, hi = (length, length) if isinstance(length, int) else (int(length[0]), int(length[1]))
        segments.append((spec.get("body", "digits"), lo - fixed, hi - fixed))
    body = "".join(
        f"[{_CHARSETS[c][0]}]{{{lo},{hi}}}" if lo != hi else f"[{_CHARSETS[c][0]}]{{{lo}}}"
        for c, lo, hi in segments
    )
    alternation = "|".join(map(re.escape, prefixes)), "|".join(map(re.escape, suffixes))
    pattern = re.compile(f"(?:{alternation[0]}){body}(?:{alternation[1]})")
    log_sizes: dict[int, float] = {}
    fixed_segments = [(c, lo) for c, lo, hi in segments if lo == hi]
    variable = [(c, lo, hi) for c, lo, hi in segments if lo != hi]
    base = fixed + sum(n for _, n in fixed_segments)
    base_log = literal_log + sum(n * math.log10(_CHARSETS[c][1]) for c, n in fixed_segments)
    if variable:
        c, lo, hi = variable[0]
        for n in range(lo, hi + 1):
            log_sizes[base + n] = base_log + n * math.log10(_CHARSETS[c][1])
    else:
        log_sizes[base] = base_log
    return _Format(
        carrier=str(entry["code"]),
        name=str(entry["name"]),
        own=own,
        prior=float(entry.get("prior", 1.0)),
        format_id=fid,
        pattern=pattern,
        log_sizes=log_sizes,
        check=spec.get("check"),
    )


def _formats(rulebook: Rulebook) -> list[_Format]:
    cached = rulebook.cache.get("waybill_formats")
    if cached is None:
        cached = [
            _compile(entry, spec, own)
            for key, own in (("brands", True), ("carriers", False))
            for entry in rulebook.waybill.get(key, [])
            for spec in entry.get("formats", [])
        ]
        rulebook.cache["waybill_formats"] = cached
    return list(cached)


@dataclass(frozen=True)
class Candidate:
    carrier: str
    name: str
    confidence: float
    own: bool
    format_id: str
    check_digit_valid: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "name": self.name,
            "confidence": self.confidence,
            "own": self.own,
            "format": self.format_id,
            "check_digit_valid": self.check_digit_valid,
        }


@dataclass(frozen=True)
class Identification:
    number: str
    candidates: Sequence[Candidate]

    @property
    def certain(self) -> bool:
        """Exactly one carrier fits and no check digit failed."""
        return len(self.candidates) == 1 and self.candidates[0].check_digit_valid is not False

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def fits(self, carrier: str) -> bool:
        return any(c.carrier == carrier for c in self.candidates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "candidates": [c.to_dict() for c in self.candidates],
            "certain": self.certain,
        }


def identify_waybill(raw: str, rulebook: Rulebook | None = None) -> Identification:
    """Every carrier whose published format fits `raw`, best first."""
    book = rulebook or default_rulebook()
    number = normalise_waybill(raw)
    factor = float(book.waybill.get("ranking", {}).get("check_failed_factor", 0.05))
    best: dict[str, tuple[float, _Format, bool | None]] = {}
    for fmt in _formats(book):
        log_size = fmt.log_size(number)
        if log_size is None or fmt.prior <= 0:
            continue
        valid = _CHECKS[fmt.check](number) if fmt.check else None
        log_score = math.log10(fmt.prior) - log_size
        if valid is False:
            log_score += math.log10(factor)
        if fmt.carrier not in best or log_score > best[fmt.carrier][0]:
            best[fmt.carrier] = (log_score, fmt, valid)
    if not best:
        return Identification(number=number, candidates=())
    top = max(score for score, _, _ in best.values())
    weights = {code: 10 ** (score - top) for code, (score, _, _) in best.items()}
    total = sum(weights.values())
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    candidates = tuple(
        Candidate(
            carrier=code,
            name=fmt.name,
            confidence=round(weights[code] / total, 4),
            own=fmt.own,
            format_id=fmt.format_id,
            check_digit_valid=valid,
        )
        for code, (_, fmt, valid) in ranked
    )
    return Identification(number=number, candidates=candidates)


def own_brand_codes(rulebook: Rulebook | None = None) -> list[str]:
    book = rulebook or default_rulebook()
    return [str(entry["code"]) for entry in book.waybill.get("brands", [])]
