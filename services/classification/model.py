"""Topic classifier for short shopper chat messages (SPEC T1, T2, T4).

A scikit-learn pipeline: character n-grams (2-5, inside word boundaries), word uni/bi-grams and
accent-stripped character 3-5-grams, all TF-IDF with sublinear term frequency, fed to a
multinomial logistic regression (newton-cg) whose probabilities decide whether a message gets a
topic (>= 0.90 by default).

Two additions sit around it:

* calibration: the logits are divided by a temperature fitted on out-of-fold predictions of the
  training examples (4-fold cross-validation) together with a separate calibration set of
  labelled messages (``data/calibration``, never trained on), so that "0.9" means about 90 %;
* a language check: a small character n-gram model tells the six corpus languages from other
  languages (Swedish, Norwegian, French, ...). A message it places outside the corpus languages
  gets no topic and a confidence capped below 0.5, so it stays under any sensible threshold.

Figures, the choice of ``LR_C`` and the calibration tables are in ``data/README.md``.
"""

from __future__ import annotations

import hashlib
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
MODEL_VERSION: str = "topics-tfidf-char25-word12-plain35-lr-temp-langid-2"

DEFAULT_THRESHOLD: float = 0.9
#: Text is cut to this many characters before it is vectorised.
MAX_CHARS: int = 2000
#: Inverse regularisation strength of the logistic regression (chosen by 5-fold CV on the train split).
LR_C: float = 200.0

#: Folds of the cross-validation whose out-of-fold predictions help fit the temperature (0 or 1:
#: none; the calibration set alone).
CALIBRATION_FOLDS: int = 4
#: Sample weight of an ``extra_examples`` row (staff corrections) in :func:`train`.
CORRECTION_WEIGHT: float = 4.0
#: A message is checked for its language only when it has at least this many letters; shorter
#: text ("ok", "tak", "hej") is too short to tell and is classified as before.
LANGUAGE_MIN_LETTERS: int = 12
#: Share of probability on languages outside the corpus at which a message counts as "other"
#: (0.45: 2 of 2,054 corpus-language texts of the held-out split, scenarios and calibration set
#: are taken for another language; see data/README.md).
LANGUAGE_OTHER_SHARE: float = 0.45
#: Inverse regularisation strength of the language check's logistic regression.
LANGUAGE_C: float = 20.0

DATA_DIR: Path = Path(__file__).resolve().parent / "data"
OTHER_LANGUAGES_DIR: Path = DATA_DIR / "other_languages"
CALIBRATION_DIR: Path = DATA_DIR / "calibration"
_VALID_TOPICS: frozenset[str] = frozenset(TOPIC_KEYS) | {NONE_TOPIC}
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Prediction:
    """Outcome of classifying one message.

    ``topic`` is the tag to apply: ``None`` when the best guess is ``"none"``, its
    probability is below the threshold or the text is in a language outside the corpus.
    ``confidence`` is the calibrated probability of ``best_topic`` (capped below 0.5 for a text in
    another language). ``language`` is the detected language code when the text was long enough
    to check (``None`` otherwise or when the model has no language check).
    """

    topic: str | None
    confidence: float
    best_topic: str
    language: str | None = None

    @property
    def other_language(self) -> bool:
        """True when the text was recognised as outside the corpus languages."""
        return self.language is not None and self.language not in CORPUS_LANGUAGES


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


def _tfidf(analyzer: str, ngram_range: tuple[int, int], **extra: Any) -> TfidfVectorizer:
    """The settings every vectoriser here shares: lower case, sublinear TF, every n-gram kept, float32."""
    return TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, lowercase=True, sublinear_tf=True, min_df=1,
                           dtype=np.float32, **extra)


WORDS = r"(?u)\b\w+\b"


def _build_pipeline(c: float = LR_C) -> Pipeline:
    features = FeatureUnion([
        ("chars", _tfidf("char_wb", (2, 5))),
        ("words", _tfidf("word", (1, 2), token_pattern=WORDS)),
        # the same text with accents stripped: "perche"/"perché", "fa"/"få", "paa"/"på"
        ("plain", _tfidf("char_wb", (3, 5), strip_accents="unicode")),
    ])
    classifier = LogisticRegression(C=c, max_iter=500, solver="newton-cg")
    return Pipeline([("features", features), ("clf", classifier)])


def _build_language_pipeline() -> Pipeline:
    features = FeatureUnion([
        ("chars", _tfidf("char_wb", (1, 4))),
        ("words", _tfidf("word", (1, 1), token_pattern=WORDS)),
    ])
    classifier = LogisticRegression(C=LANGUAGE_C, max_iter=1000, solver="newton-cg", class_weight="balanced")
    return Pipeline([("features", features), ("clf", classifier)])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


class TopicClassifier:
    """A trained topic model. Pickle-able; see :func:`save` and :func:`load`.

    ``temperature`` divides the logits before the softmax (1.0: the raw probabilities);
    ``language_model`` is an optional pipeline that predicts a language code from the text.
    """

    version: str

    def __init__(
        self,
        pipeline: Pipeline,
        version: str = MODEL_VERSION,
        temperature: float = 1.0,
        language_model: Pipeline | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.version = version
        self.classes: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)
        self.temperature = float(temperature)
        self.language_model = language_model

    def probabilities(self, prepared: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities (columns in ``self.classes`` order) of normalised texts."""
        return _probabilities(self.pipeline, list(prepared), self.temperature)

    def languages(self, prepared: Sequence[str]) -> list[tuple[str, float]]:
        """``(best language code, share of probability on non-corpus languages)`` per normalised text."""
        if self.language_model is None or not prepared:
            return [("", 0.0)] * len(prepared)
        proba = self.language_model.predict_proba(list(prepared))
        codes = [str(c) for c in self.language_model.classes_]
        other_cols = [i for i, code in enumerate(codes) if code not in CORPUS_LANGUAGES]
        other = proba[:, other_cols].sum(axis=1) if other_cols else np.zeros(len(prepared))
        best = proba.argmax(axis=1)
        return [(codes[int(b)], float(o)) for b, o in zip(best, other, strict=True)]

    def predict(self, text: str, threshold: float = DEFAULT_THRESHOLD) -> Prediction:
        return self.predict_many([text], threshold)[0]

    def predict_many(
        self, texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD, *, check_every_language: bool = True
    ) -> list[Prediction]:
        """``check_every_language=False`` runs the language check only on texts that would get a tag (what the
        check can change): the tagger's choice, which halves its cost; untagged texts then keep their uncapped
        confidence and no ``language``."""
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
            proba = self.probabilities(todo_text)
            best = proba.argmax(axis=1)
            checked = [row for row, text in enumerate(todo_text) if _letters(text) >= LANGUAGE_MIN_LETTERS
                       and (check_every_language or (self.classes[int(best[row])] != NONE_TOPIC
                                                     and float(proba[row, best[row]]) >= threshold))]
            verdicts: dict[int, tuple[str, float]] = {}
            if self.language_model is not None and checked:
                found = self.languages([todo_text[row] for row in checked])
                verdicts = dict(zip(checked, found, strict=True))
            for row, i in enumerate(todo_idx):
                best_topic = self.classes[int(best[row])]
                confidence = float(proba[row, best[row]])
                language: str | None = None
                if row in verdicts:
                    code, other_share = verdicts[row]
                    if other_share >= LANGUAGE_OTHER_SHARE:
                        language = code if code not in CORPUS_LANGUAGES else "other"
                        # below 0.5 whatever the topic model thinks: callers that compare the
                        # confidence with their threshold (services.tagging) leave it untagged
                        confidence = min(confidence, 0.49)
                    else:
                        language = code if code in CORPUS_LANGUAGES else None
                other = language is not None and language not in CORPUS_LANGUAGES
                topic = (
                    best_topic
                    if best_topic != NONE_TOPIC and confidence >= threshold and not other
                    else None
                )
                results[i] = Prediction(
                    topic=topic, confidence=confidence, best_topic=best_topic, language=language
                )
        return [r if r is not None else _EMPTY_PREDICTION for r in results]

    def __repr__(self) -> str:
        return (
            f"TopicClassifier(version={self.version!r}, classes={len(self.classes)}, "
            f"temperature={self.temperature:.3f}, language_check={self.language_model is not None})"
        )


def _logits(pipeline: Pipeline, prepared: list[str]) -> np.ndarray:
    features = pipeline.named_steps["features"].transform(prepared)
    logits = np.asarray(pipeline.named_steps["clf"].decision_function(features), dtype=np.float64)
    if logits.ndim == 1:  # two classes: decision_function gives one column
        logits = np.column_stack([np.zeros(len(prepared)), logits])
    return logits


def _probabilities(pipeline: Pipeline, prepared: list[str], temperature: float) -> np.ndarray:
    return _softmax(_logits(pipeline, prepared) / temperature)


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


def load_other_language_lines(split: str | None = None) -> list[tuple[str, str]]:
    """``(text, language code)`` from ``data/other_languages/<code>.txt`` (languages outside the
    corpus). Half of each file, chosen by the SHA-1 of ``"<code>|<text>"``, is ``"heldout"``; the
    other half (``"train"``) teaches the language check, with all of ``extra/<code>.txt``."""
    if split not in (None, "train", "heldout"):
        raise ValueError(f"split must be 'train', 'heldout' or None, not {split!r}")
    pairs: list[tuple[str, str]] = []
    for path in sorted(OTHER_LANGUAGES_DIR.glob("*.txt")):
        code = path.stem
        lines = [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
        ranked = sorted(lines, key=lambda t: hashlib.sha1(f"{code}|{t}".encode()).hexdigest())
        heldout = set(ranked[: len(ranked) // 2])
        for line in lines:
            if split is None or (line in heldout) == (split == "heldout"):
                pairs.append((line, code))
    if split != "heldout":  # extra/<code>.txt: training material only
        for path in sorted((OTHER_LANGUAGES_DIR / "extra").glob("*.txt")):
            pairs += [
                (line.strip(), path.stem)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")
            ]
    return pairs


def load_calibration_set() -> list[tuple[str, str]]:
    """``(text, topic)`` pairs of ``data/calibration/<lang>.txt`` (same format as the sources):
    messages that fit the temperature only, never trained on and not in the scenario sets."""
    from .build_corpus import parse_source

    pairs: list[tuple[str, str]] = []
    for lang in CORPUS_LANGUAGES:
        path = CALIBRATION_DIR / f"{lang}.txt"
        if path.is_file():
            pairs += parse_source(path)
    return pairs


# --------------------------------------------------------------------------- training


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (column indices)."""
    def nll(t: float) -> float:
        proba = _softmax(logits / t)
        return float(-np.log(np.clip(proba[np.arange(len(labels)), labels], 1e-12, None)).mean())

    grid = np.geomspace(0.05, 5.0, 81)
    losses = [nll(float(t)) for t in grid]
    best = int(np.argmin(losses))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    fine = np.linspace(lo, hi, 41)
    return float(fine[int(np.argmin([nll(float(t)) for t in fine]))])


def out_of_fold_logits(
    texts: Sequence[str],
    topics: Sequence[str],
    weights: np.ndarray | None = None,
    c: float = LR_C,
    folds: int = CALIBRATION_FOLDS,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Logits of every text from a model that did not see it (stratified ``folds``-fold CV).

    Returns ``(logits, label indices, classes)``. Deterministic (fixed shuffling seed).
    """
    from sklearn.model_selection import StratifiedKFold

    classes = tuple(sorted(set(topics)))
    index = {topic: i for i, topic in enumerate(classes)}
    labels = np.array([index[t] for t in topics])
    logits = np.zeros((len(texts), len(classes)))
    text_arr = np.array(texts, dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_idx, test_idx in splitter.split(text_arr, labels):
        pipeline = _build_pipeline(c)
        params = {} if weights is None else {"clf__sample_weight": weights[train_idx]}
        pipeline.fit(list(text_arr[train_idx]), labels[train_idx], **params)
        fold_logits = np.asarray(pipeline.decision_function(list(text_arr[test_idx])))
        if fold_logits.ndim == 1:
            fold_logits = np.column_stack([np.zeros(len(test_idx)), fold_logits])
        cols = [int(k) for k in pipeline.classes_]
        logits[np.ix_(test_idx, cols)] = fold_logits
        missing = [k for k in range(len(classes)) if k not in cols]
        if missing:  # a class absent from this fold's training part can't be predicted
            logits[np.ix_(test_idx, missing)] = -1e3
    return logits, labels, classes


def fit(
    examples: Sequence[tuple[str, str]],
    c: float = LR_C,
    *,
    weights: Sequence[float] | None = None,
    calibrate: bool = True,
    language_examples: Sequence[tuple[str, str]] = (),
    calibration_examples: Sequence[tuple[str, str]] = (),
) -> TopicClassifier:
    """Train a classifier on exactly ``examples`` (``(text, topic)`` pairs).

    ``weights`` are per-example sample weights. With ``calibrate``, the temperature minimises the
    log-loss of the out-of-fold predictions of ``examples`` (``CALIBRATION_FOLDS``-fold
    cross-validation, when every class has that many examples) together with the predictions of
    the final model on ``calibration_examples`` (labelled messages that are not in ``examples``);
    with neither it is 1. ``language_examples`` (``(text, language code)``, codes of
    :data:`CORPUS_LANGUAGES` and of other languages) train the language check; without any of
    another language there is no check.
    """
    if weights is not None and len(weights) != len(examples):
        raise ValueError("weights must have one value per example")
    texts: list[str] = []
    topics: list[str] = []
    kept_weights: list[float] = []
    for n, (text, topic) in enumerate(examples):
        if topic not in _VALID_TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        prepared = normalise_text(text) if isinstance(text, str) else ""
        if prepared:
            texts.append(prepared)
            topics.append(topic)
            kept_weights.append(1.0 if weights is None else float(weights[n]))
    sample_weight = None if weights is None else np.array(kept_weights)
    pipeline = _build_pipeline(c)
    params = {} if sample_weight is None else {"clf__sample_weight": sample_weight}
    pipeline.fit(texts, topics, **params)

    temperature = 1.0
    counts = {t: topics.count(t) for t in set(topics)}
    held = [(normalise_text(t), y) for t, y in calibration_examples if y in pipeline.classes_]
    held = [(t, y) for t, y in held if t]
    index = {str(k): i for i, k in enumerate(pipeline.classes_)}
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    if calibrate and CALIBRATION_FOLDS > 1 and len(counts) > 1 and min(counts.values()) >= CALIBRATION_FOLDS:
        oof, labels, oof_classes = out_of_fold_logits(texts, topics, sample_weight, c)
        columns = [oof_classes.index(str(k)) for k in pipeline.classes_]
        parts.append((oof[:, columns], np.array([index[oof_classes[i]] for i in labels])))
    if calibrate and held:
        parts.append((_logits(pipeline, [t for t, _ in held]), np.array([index[y] for _, y in held])))
    if parts:
        temperature = fit_temperature(
            np.vstack([logits for logits, _ in parts]), np.concatenate([labels for _, labels in parts])
        )

    language_model = None
    lang_texts = [normalise_text(t) for t, _ in language_examples]
    lang_codes = [code for _, code in language_examples]
    if any(code not in CORPUS_LANGUAGES for code in lang_codes) and len(set(lang_codes)) > 1:
        language_model = _build_language_pipeline()
        language_model.fit(lang_texts, lang_codes)
    return TopicClassifier(pipeline, temperature=temperature, language_model=language_model)


def language_training_examples() -> list[tuple[str, str]]:
    """Texts of the train split with their language (``none`` rows left out: "ok" or an emoji
    has no language) and the train half of ``data/other_languages``."""
    rows = [
        (row["text"], row["lang"]) for row in load_corpus_rows("train") if row["topic"] != NONE_TOPIC
    ]
    return [*rows, *load_other_language_lines("train")]


def _correction_key(text: str) -> str:
    return normalise_text(text).rstrip(" .!?")


def train(extra_examples: Sequence[tuple[str, str]] = (), *, calibrate: bool = True) -> TopicClassifier:
    """Train on the corpus' train split plus ``extra_examples`` (e.g. staff corrections).

    A correction wins over the corpus: a corpus row with the same text (case, spacing and
    trailing ``.!?`` ignored) is left out, and each extra example weighs ``CORRECTION_WEIGHT``
    corpus rows, so it also pulls near variants of its text. Of two corrections of the same text
    the later one wins. Raises ``ValueError`` when an extra example has a topic that is not a key
    or ``"none"``.
    """
    latest: dict[str, tuple[str, str]] = {}
    for text, topic in extra_examples:
        if topic not in _VALID_TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        if isinstance(text, str) and normalise_text(text):
            latest.pop(_correction_key(text), None)  # the later correction goes last
            latest[_correction_key(text)] = (text, topic)
    corpus = [(t, y) for t, y in load_corpus("train") if _correction_key(t) not in latest]
    corrections = list(latest.values())
    return fit(
        [*corpus, *corrections],
        weights=[1.0] * len(corpus) + [CORRECTION_WEIGHT] * len(corrections),
        calibrate=calibrate,
        language_examples=language_training_examples(),
        calibration_examples=load_calibration_set(),
    )


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
