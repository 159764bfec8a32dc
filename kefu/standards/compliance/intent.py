"""The intent layer: a forbidden intent said in words no pattern holds (你耳朵有问题吗, 这事你找网点去).

The patterns (engine.py) are the fast path and stay the only source of refusals. This layer is a
character n-gram classifier — scikit-learn's TF-IDF over 1–3 character n-grams of the normalised text
(numbers read as one token) and a logistic regression trained by SGD — learnt from every rule's examples
and variants (forbidden.yaml) and the rule's training sentences (intents.yaml), against compliant
sentences: the seeds' prescribed phrases, every rule's counter-examples and rewrites, the phrasebook's
sentences, intents.yaml's compliant list, and the clauses of all of these. It reads each clause of a
reply, and each pair of neighbouring clauses, that no pattern flagged; where the probabilities of one
category's rules add up to at least the threshold it reports the most likely rule of that category as an
*uncertain* violation: severity at most major (a warning with the rule's rewrite, never a refusal), its
message beginning with 疑似. The settings are data (intents.yaml `model:`); docs/PERFORMANCE.md has
precision and recall.

Training takes a few seconds; a model trained on exactly the current rulebooks is kept in the user's cache
directory (``load_or_train``) so other processes load it instead, and `kefu serve` loads it at start.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from kefu.standards.compliance.engine import SEVERITY_RANK, Violation
from kefu.standards.compliance.rewrite import clauses
from kefu.standards.compliance.rulebook import RULEBOOK_DIR, Rule, load_prescribed, load_rulebook
from kefu.standards.rulebook import read_rulebook
from kefu.standards.text import fold

INTENTS_PATH = RULEBOOK_DIR / "intents.yaml"
COMPLIANT = "compliant"
# Rules the classifier does not learn: a character (你 → 您) and a symbol class (emoji) are exact already.
NOT_LEARNED = frozenset({"ni_address", "chat_emoji"})
_NUMBERS = re.compile(r"[0-9a-z]+")
CACHE_SIZE = 20000


def view(text: str) -> str:
    """What the classifier reads: the normalised text with every run of digits and Latin letters as one 0
    (运单 YT188325388622 and 退款 886 元 are numbers, not 886 “拜拜”)."""
    return _NUMBERS.sub("0", fold(text))


@dataclass(frozen=True)
class Settings:
    """The model's knobs, from intents.yaml `model:` (chosen on the development set, docs/PERFORMANCE.md)."""

    threshold: float
    min_chars: int  # shorter clauses (好的, 收到) say too little to judge an intent by
    ngram_max: int
    alpha: float
    loss: str
    epochs: int


def _settings(data: dict) -> Settings:
    raw = data["model"]
    return Settings(
        threshold=float(raw["threshold"]),
        min_chars=int(raw["min_chars"]),
        ngram_max=int(raw["ngram_max"]),
        alpha=float(raw["alpha"]),
        loss=str(raw["loss"]),
        epochs=int(raw["epochs"]),
    )


@cache
def _intents(path: Path = INTENTS_PATH) -> dict:
    return read_rulebook(path)


def training_set() -> tuple[list[str], list[str]]:
    """(sentences, labels): rule ids for forbidden intents, ``compliant`` for the rest."""
    rules = load_rulebook().all_rules()
    data = _intents()
    texts: list[str] = []
    labels: list[str] = []
    for rule in rules:
        if rule.id in NOT_LEARNED:
            continue
        for sentence in (*rule.examples, *(data["rules"].get(rule.id) or ())):
            texts.append(sentence)
            labels.append(rule.id)
    compliant = [
        *(p.text for p in load_prescribed()),
        *(c for r in rules for c in r.counter_examples),
        *(r.rewrite for r in rules if r.rewrite and r.scope != "word"),
        *_phrasebook_sentences(),
        *data["compliant"],
    ]
    # A reply is judged clause by clause: the clauses of compliant sentences are compliant examples too
    # (对不起，我问一问别人或帮您打听一下 must not become “我问一问别人” flagged on its own).
    min_chars = _settings(data).min_chars
    pieces = [
        piece
        for t in compliant
        for s, e in _windows(t)
        if (piece := t[s:e]).strip() != t.strip() and len(view(piece)) >= min_chars
    ]
    texts += compliant + pieces
    labels += [COMPLIANT] * (len(compliant) + len(pieces))
    return texts, labels


def _phrasebook_sentences() -> list[str]:
    """Every phrasebook variant of every profile, its placeholders removed (they are names and numbers)."""
    from kefu.standards import scripts  # the script engine loads the calendar: only when training

    out = []
    for profile in scripts.profiles():
        for situation in scripts.situations(profile):
            for phrase in scripts.phrases_for(situation.id, profile):
                out.append(re.sub(r"\{[a-z_]+\}|[\[\]]", "", phrase.text))
    return out


class IntentModel:
    """The trained classifier; ``predict`` is thread-safe once built."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        self.settings = _settings(_intents())
        texts, labels = training_set()
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, self.settings.ngram_max), sublinear_tf=True
        )
        features = self.vectorizer.fit_transform([view(t) for t in texts])
        # A linear model on sparse n-grams trains in a fraction of a second; the fixed seed makes two
        # processes (and two test runs) learn the same model.
        self.model = SGDClassifier(
            loss=self.settings.loss,
            alpha=self.settings.alpha,
            max_iter=self.settings.epochs,
            tol=None,
            random_state=0,
        )
        self.model.fit(features, labels)
        self.classes: list[str] = list(self.model.classes_)
        # One column per category: which classes (rules) belong to it; the compliant class to none.
        import numpy as np

        category = {r.id: r.category_code for r in load_rulebook().all_rules()}
        codes = sorted({category[c] for c in self.classes if c != COMPLIANT})
        self._categories = np.array(
            [[float(c != COMPLIANT and category[c] == code) for code in codes] for c in self.classes]
        )
        # Agents repeat themselves: the probabilities of a clause already read are kept (per process).
        self._cache: dict[str, object] = {}

    def predict(self, views: Sequence[str], rules: Iterable[str]) -> list[tuple[str, float]]:
        """For each text as the classifier reads it (``view``), the nearest of ``rules`` (the ones active for the brand and channel) and how sure
        the model is of a fault of that rule's category: the probabilities of the category's rules added up
        (a reproach split between two reproach rules is still a reproach). The compliant class is left out."""
        if not views:
            return []
        import numpy as np

        new = sorted({v for v in views if v not in self._cache})
        if new:
            rows = self.model.predict_proba(self.vectorizer.transform(new))
            if len(self._cache) + len(new) > CACHE_SIZE:
                self._cache.clear()
            self._cache.update(zip(new, rows, strict=True))
        allowed = set(rules)
        keep = np.array([label in allowed for label in self.classes])
        probabilities = np.array([self._cache[v] for v in views]) * keep
        by_category = probabilities @ self._categories  # rows: texts, columns: categories
        out = []
        for row, sums in zip(probabilities, by_category, strict=True):
            category = int(sums.argmax())
            nearest = int(np.where(self._categories[:, category] > 0, row, -1.0).argmax())
            out.append((self.classes[nearest], float(sums[category])))
        return out


_lock = threading.Lock()
_model: IntentModel | None = None


def model() -> IntentModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = load_or_train()
    return _model


def cache_dir() -> Path:
    """Where trained models are kept between processes: KEFU_MODEL_CACHE, else the user's cache directory."""
    if configured := os.environ.get("KEFU_MODEL_CACHE"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kefu"


def fingerprint() -> str:
    """What the trained model depends on: every rulebook file (rules, training sentences, prescribed phrases,
    phrasebook and profiles) and the versions of the libraries that train it."""
    import numpy
    import sklearn

    digest = hashlib.sha256(f"{sklearn.__version__} {numpy.__version__}".encode())
    for path in sorted(RULEBOOK_DIR.rglob("*.yaml")):
        digest.update(path.relative_to(RULEBOOK_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def load_or_train(directory: Path | None = None) -> IntentModel:
    """The model trained on the current rulebooks: read from the cache when one was trained on exactly these
    (each process of a deployment, each test worker and each `kefu serve` would otherwise train it again),
    else trained and written there for the next process. A cache that cannot be read or written is skipped."""
    path = (directory or cache_dir()) / f"intent-{fingerprint()}.pickle"
    try:
        with open(path, "rb") as fh:
            found = pickle.load(fh)
        if isinstance(found, IntentModel):
            return found
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        pass
    trained = IntentModel()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as fh:
            pickle.dump(trained, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # readers see the whole file or none
    except OSError:
        pass
    return trained


def _windows(text: str) -> list[tuple[int, int]]:
    """Each clause, and each pair of neighbouring clauses, as (start, end) spans of ``text``."""
    single = clauses(text)
    return single + [(a[0], b[1]) for a, b in pairwise(single)]


def windows_to_read(text: str, found: Iterable[Violation]) -> list[tuple[int, int, str]]:
    """The windows of ``text`` the layer reads, with their ``view``: long enough to judge, and not touching
    what the patterns (``found``) flagged already (你 → 您 and emoji flags do not count)."""
    flagged = [(v.start, v.end) for v in found if v.rule_id not in NOT_LEARNED]
    min_chars = model().settings.min_chars
    return [
        (s, e, seen)
        for s, e in _windows(text)
        if len(seen := view(text[s:e])) >= min_chars and not any(fs < e and s < fe for fs, fe in flagged)
    ]


def _uncertain(rule: Rule, text: str, start: int, end: int, probability: float) -> Violation:
    severity = rule.severity if SEVERITY_RANK[rule.severity] <= SEVERITY_RANK["major"] else "major"
    return Violation(
        rule_id=rule.id,
        start=start,
        end=end,
        text=text[start:end],
        category=rule.category,
        category_code=rule.category_code,
        severity=severity,
        message=f"疑似{rule.category}（把握 {probability:.0%}）：{rule.message}",
        rewrite=rule.rewrite,
        source=rule.source,
        scope="clause",
        uncertain=True,
    )


def find(text: str, found: Iterable[Violation], rules: Sequence[Rule], channel: str) -> list[Violation]:
    """Uncertain violations in ``text`` where the patterns (``found``) saw nothing of substance."""
    windows = windows_to_read(text, found)
    if not windows:
        return []
    by_id = {r.id: r for r in rules if channel in r.channels and r.id not in NOT_LEARNED}
    threshold = model().settings.threshold
    out: list[Violation] = []
    predictions = model().predict([seen for _, _, seen in windows], by_id)
    for (start, end, _), (label, p) in zip(windows, predictions, strict=True):
        if p < threshold or any(v.start < end and start < v.end for v in out):
            continue
        out.append(_uncertain(by_id[label], text, start, end, p))
    return sorted(out, key=lambda v: v.start)
