"""Topic classifier for short shopper chat messages (SPEC T1, T2, T4).

A scikit-learn pipeline: character n-grams (2-5, inside word boundaries) and word uni/bi-grams,
both TF-IDF with sublinear term frequency, fed to a multinomial logistic regression (newton-cg,
about 1.5 s to train) whose probabilities decide whether a message gets a topic (>= 0.90 by
default). Figures and the choice of ``LR_C`` are documented in ``data/README.md``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .topics import CORPUS_LANGUAGES, NONE_TOPIC, TOPIC_KEYS

#: Bump whenever the features, the preprocessing, the corpus format or the saved layout change;
#: a saved model of another version is ignored by :func:`load`.
MODEL_VERSION: str = "topics-tfidf-char25-word12-lr-1"

DEFAULT_THRESHOLD: float = 0.9
#: Text is cut to this many characters before it is vectorised.
MAX_CHARS: int = 2000
#: Inverse regularisation strength of the logistic regression (chosen by 5-fold CV on the train split).
LR_C: float = 200.0

DATA_DIR: Path = Path(__file__).resolve().parent / "data"
_VALID_TOPICS: frozenset[str] = frozenset(TOPIC_KEYS) | {NONE_TOPIC}
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Prediction:
    """Outcome of classifying one message.

    ``topic`` is the tag to apply: ``None`` when the best guess is ``"none"`` or its
    probability is below the threshold. ``confidence`` is the probability of ``best_topic``.
    """

    topic: str | None
    confidence: float
    best_topic: str


_EMPTY_PREDICTION = Prediction(topic=None, confidence=1.0, best_topic=NONE_TOPIC)


def normalise_text(text: str) -> str:
    """Prepare a message for the vectorisers (also used at training time).

    Cuts very long text, NFC-normalises (accents are kept), drops control and format
    characters, maps every digit to ``0`` (order numbers, sizes and prices then share
    features), collapses whitespace and lower-cases.
    """
    text = unicodedata.normalize("NFC", text[: MAX_CHARS * 2])[:MAX_CHARS]
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    cleaned = _DIGITS.sub("0", cleaned)
    return _SPACES.sub(" ", cleaned).strip().lower()


def _build_pipeline(c: float = LR_C) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    lowercase=True,
                    sublinear_tf=True,
                    min_df=1,
                    dtype=np.float32,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    lowercase=True,
                    token_pattern=r"(?u)\b\w+\b",
                    sublinear_tf=True,
                    min_df=1,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=c, max_iter=500, solver="newton-cg")
    return Pipeline([("features", features), ("clf", classifier)])


class TopicClassifier:
    """A trained topic model. Pickle-able; see :func:`save` and :func:`load`."""

    version: str

    def __init__(self, pipeline: Pipeline, version: str = MODEL_VERSION) -> None:
        self.pipeline = pipeline
        self.version = version
        self.classes: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)

    def predict(self, text: str, threshold: float = DEFAULT_THRESHOLD) -> Prediction:
        return self.predict_many([text], threshold)[0]

    def predict_many(
        self, texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD
    ) -> list[Prediction]:
        results: list[Prediction | None] = [None] * len(texts)
        todo_idx: list[int] = []
        todo_text: list[str] = []
        for i, text in enumerate(texts):
            prepared = normalise_text(text) if isinstance(text, str) else ""
            if not prepared:
                results[i] = _EMPTY_PREDICTION
            else:
                todo_idx.append(i)
                todo_text.append(prepared)
        if todo_text:
            proba = self.pipeline.predict_proba(todo_text)
            best = proba.argmax(axis=1)
            for row, i in enumerate(todo_idx):
                best_topic = self.classes[int(best[row])]
                confidence = float(proba[row, best[row]])
                topic = best_topic if best_topic != NONE_TOPIC and confidence >= threshold else None
                results[i] = Prediction(topic=topic, confidence=confidence, best_topic=best_topic)
        return [r if r is not None else _EMPTY_PREDICTION for r in results]

    def __repr__(self) -> str:
        return f"TopicClassifier(version={self.version!r}, classes={len(self.classes)})"


# --------------------------------------------------------------------------- corpus


def load_corpus_rows(split: str | None = None) -> list[dict[str, str]]:
    """Corpus rows ``{"text", "topic", "split", "lang"}`` of every language, in file order."""
    if split not in (None, "train", "heldout"):
        raise ValueError(f"split must be 'train', 'heldout' or None, not {split!r}")
    rows: list[dict[str, str]] = []
    for lang in CORPUS_LANGUAGES:
        path = DATA_DIR / f"{lang}.jsonl"
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                row = json.loads(line)
                if split is None or row["split"] == split:
                    rows.append({**row, "lang": lang})
    return rows


def load_corpus(split: str | None = None) -> list[tuple[str, str]]:
    """``(text, topic)`` pairs: ``split`` is ``"train"``, ``"heldout"`` or ``None`` for all."""
    return [(row["text"], row["topic"]) for row in load_corpus_rows(split)]


# --------------------------------------------------------------------------- training


def fit(examples: Sequence[tuple[str, str]], c: float = LR_C) -> TopicClassifier:
    """Train a classifier on exactly ``examples`` (``(text, topic)`` pairs)."""
    texts: list[str] = []
    topics: list[str] = []
    for text, topic in examples:
        if topic not in _VALID_TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        prepared = normalise_text(text) if isinstance(text, str) else ""
        if prepared:
            texts.append(prepared)
            topics.append(topic)
    pipeline = _build_pipeline(c)
    pipeline.fit(texts, topics)
    return TopicClassifier(pipeline)


def train(extra_examples: Sequence[tuple[str, str]] = ()) -> TopicClassifier:
    """Train on the corpus' train split plus ``extra_examples`` (e.g. staff corrections).

    Raises ``ValueError`` when an extra example has a topic that is not a key or ``"none"``.
    """
    return fit([*load_corpus("train"), *extra_examples])


# --------------------------------------------------------------------------- persistence


def save(classifier: TopicClassifier, path: str | Path) -> None:
    """Write ``classifier`` to ``path`` atomically (temporary file, then ``os.replace``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            joblib.dump({"version": classifier.version, "classifier": classifier}, fh)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def load(path: str | Path) -> TopicClassifier | None:
    """Read a saved classifier; ``None`` if missing, unreadable, corrupt or of another version."""
    try:
        payload: Any = joblib.load(Path(path))
    except Exception:  # noqa: BLE001 - any unreadable file means "no model"
        return None
    if not isinstance(payload, dict) or payload.get("version") != MODEL_VERSION:
        return None
    classifier = payload.get("classifier")
    if not isinstance(classifier, TopicClassifier) or classifier.version != MODEL_VERSION:
        return None
    return classifier


def train_and_save(path: str, extra_examples: Sequence[tuple[str, str]] = ()) -> str:
    """Train and save to ``path`` atomically; returns the model version.

    Top-level and argument-picklable so it can run in a ``ProcessPoolExecutor``.
    """
    classifier = train(tuple(extra_examples))
    save(classifier, path)
    return classifier.version


# --------------------------------------------------------------------------- JSON lines


def classify_lines(
    lines: Iterable[str], classifier: TopicClassifier, threshold: float = DEFAULT_THRESHOLD
) -> Iterator[dict[str, Any]]:
    """Classify JSON lines that each carry a ``"text"`` field.

    Yields ``{"text", "topic", "confidence", "best_topic"}`` per message (confidence rounded to
    4 places) or ``{"error": ..., "line": n}`` (1-based) for a line that is not JSON or has no
    string ``"text"``. Blank lines are skipped. Lines are classified in small batches, lazily.
    """
    batch: list[tuple[int, str | None, str]] = []  # (line number, text or None, error)

    def flush() -> Iterator[dict[str, Any]]:
        texts = [text for _, text, _ in batch if text is not None]
        predictions = iter(classifier.predict_many(texts, threshold)) if texts else iter(())
        for lineno, text, error in batch:
            if text is None:
                yield {"error": error, "line": lineno}
            else:
                p = next(predictions)
                yield {
                    "text": text,
                    "topic": p.topic,
                    "confidence": round(p.confidence, 4),
                    "best_topic": p.best_topic,
                }
        batch.clear()

    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            batch.append((lineno, None, f"invalid JSON: {exc}"))
        else:
            text = obj.get("text") if isinstance(obj, dict) else None
            if isinstance(text, str):
                batch.append((lineno, text, ""))
            else:
                batch.append((lineno, None, 'expected a JSON object with a string "text" field'))
        if len(batch) >= 256:
            yield from flush()
    if batch:
        yield from flush()
