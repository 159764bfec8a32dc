"""Precision and recall of the 服务忌语 checker on paraphrases (docs/PERFORMANCE.md, “Paraphrases”).

Run from the project root:  python bench/paraphrases.py [--show-misses]

Two sets of sentences written outside the rulebook, each with forbidden sentences labelled by the category
a supervisor files them under (``category`` plus fair alternatives in ``also``) and compliant sentences:
  * the development set, tests/standards/samples/paraphrases_dev.yaml (kefu is tuned on it);
  * the held-out set, bench/data/paraphrases_holdout.yaml (measured, never tuned on).
A forbidden sentence counts as found only when a violation of its own category is reported (a 你 → 您
flag alone does not count); a compliant sentence counts as a false positive when anything is reported.
Both are measured for the patterns alone (``check``, the fast path) and for what the gate runs at send
time (``assess``: patterns plus the intent layer's uncertain flags).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kefu.standards.compliance import assess, check  # noqa: E402

SETS = {
    "development": ROOT / "tests" / "standards" / "samples" / "paraphrases_dev.yaml",
    "held-out": ROOT / "bench" / "data" / "paraphrases_holdout.yaml",
}


def measure(path: Path, show: bool) -> list[str]:
    data = yaml.safe_load(path.read_text("utf-8"))
    lines = []
    for name, fn in (("patterns (check)", check), ("send time (assess)", assess)):
        found = 0
        misses = []
        for s in data["forbidden"]:
            own = {s["category"], *(s.get("also") or ())}
            got = fn(s["text"], s.get("channel", "phone"))
            if any(v.category_code in own for v in got if v.rule_id != "ni_address"):
                found += 1
            else:
                misses.append((s["category"], s["text"], [v.rule_id for v in got]))
        false = [
            (s["text"], [(v.rule_id, v.text) for v in got])
            for s in data["compliant"]
            if (got := fn(s["text"], s.get("channel", "phone")))
        ]
        n, m = len(data["forbidden"]), len(data["compliant"])
        flagged_right = found
        precision = flagged_right / max(flagged_right + len(false), 1)
        lines.append(f"| {name} | {found}/{n} = {found / n:.3f} | {len(false)}/{m} | {precision:.3f} |")
        if show:
            for miss in misses:
                print("  未检出", *miss)
            for fp in false:
                print("  误报", *fp)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--set", choices=sorted(SETS), action="append")
    args = parser.parse_args(argv)
    for name in args.set or list(SETS):
        print(f"\n{name} set ({SETS[name].relative_to(ROOT)})")
        print("| checker | recall (own category) | false positives on compliant | precision |")
        print("| --- | --- | --- | --- |")
        for line in measure(SETS[name], args.show_misses):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
