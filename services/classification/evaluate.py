"""Train the topic classifier and report how it does.

Run from the project root::

    python -m services.classification.evaluate [EXTERNAL_JSONL] [--threshold 0.9] [--baseline]

Prints, per language, for the held-out split of the corpus, for the held-out scenario sets
(``data/scenarios/<lang>.txt``, never trained on) and for the external English set:

* ``acc``      -- share of rows whose best guess (``none`` included) is the expected label;
* ``conf``     -- share of rows whose best guess has probability >= threshold;
* ``conf_prec``-- accuracy among those confident rows (the ">= 90 % rule" in one figure);
* ``tagged``   -- share of rows with a real topic that get a tag (best guess is a topic and
  probability >= threshold), i.e. the coverage of the tagging rule;
* ``tag_prec`` -- share of tags that are the expected topic (tags on ``none`` rows count as wrong);
* ``none_tagged`` -- ``none`` rows that wrongly received a tag.

Then a reliability table (confidence bins against observed accuracy) of the scenario sets, the
held-out lines in other languages (``data/other_languages``; they must get no tag), how often a
text in a corpus language is taken for another language, and the time per message in batches.
``--baseline`` evaluates the model as it was before calibration and the language check
(temperature 1, no language check) for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .build_corpus import parse_source
from .model import (
    DATA_DIR,
    DEFAULT_THRESHOLD,
    TopicClassifier,
    fit,
    load_corpus,
    load_corpus_rows,
    load_other_language_lines,
    normalise_text,
    train,
)
from .topics import CORPUS_LANGUAGES, NONE_TOPIC, TOPIC_KEYS

DEFAULT_EXTERNAL = "/work/shared/data/external_topics_en.jsonl"
SCENARIO_DIR = DATA_DIR / "scenarios"


@dataclass(frozen=True)
class Report:
    n: int
    accuracy: float
    confident_share: float
    confident_precision: float
    topic_rows: int
    tagged_share: float
    tag_precision: float
    none_rows: int
    none_tagged: int

    def line(self, name: str) -> str:
        return (
            f"{name:<10} n={self.n:<4} acc={self.accuracy:.3f}  conf={self.confident_share:.3f} "
            f"conf_prec={self.confident_precision:.3f}  tagged={self.tagged_share:.3f} "
            f"tag_prec={self.tag_precision:.3f}  none_tagged={self.none_tagged}/{self.none_rows}"
        )


def threshold_report(
    classifier: TopicClassifier,
    pairs: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
) -> Report:
    """Figures for ``(text, expected_label)`` pairs; ``expected_label`` may be ``"none"``."""
    predictions = classifier.predict_many([text for text, _ in pairs], threshold)
    n = len(pairs)
    correct = confident = confident_correct = 0
    topic_rows = tagged_topic_rows = tags = tags_correct = none_rows = none_tagged = 0
    for prediction, (_, expected) in zip(predictions, pairs, strict=True):
        hit = prediction.best_topic == expected
        correct += hit
        if prediction.confidence >= threshold:
            confident += 1
            confident_correct += hit
        if prediction.topic is not None:
            tags += 1
            tags_correct += prediction.topic == expected
        if expected == NONE_TOPIC:
            none_rows += 1
            none_tagged += prediction.topic is not None
        else:
            topic_rows += 1
            tagged_topic_rows += prediction.topic is not None
    return Report(
        n=n,
        accuracy=correct / n if n else 0.0,
        confident_share=confident / n if n else 0.0,
        confident_precision=confident_correct / confident if confident else 1.0,
        topic_rows=topic_rows,
        tagged_share=tagged_topic_rows / topic_rows if topic_rows else 0.0,
        tag_precision=tags_correct / tags if tags else 1.0,
        none_rows=none_rows,
        none_tagged=none_tagged,
    )


def heldout_reports(
    classifier: TopicClassifier, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Report]:
    """One report per corpus language plus ``"all"`` for the held-out split."""
    rows = load_corpus_rows("heldout")
    reports = {
        lang: threshold_report(
            classifier, [(r["text"], r["topic"]) for r in rows if r["lang"] == lang], threshold
        )
        for lang in CORPUS_LANGUAGES
    }
    reports["all"] = threshold_report(classifier, [(r["text"], r["topic"]) for r in rows], threshold)
    return reports


def load_scenarios(lang: str) -> list[tuple[str, str]]:
    """``(text, topic)`` pairs of the held-out scenario set of ``lang`` (never trained on)."""
    return parse_source(SCENARIO_DIR / f"{lang}.txt")


def scenario_reports(
    classifier: TopicClassifier, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Report]:
    """One report per corpus language plus ``"all"`` for the scenario sets."""
    sets = {lang: load_scenarios(lang) for lang in CORPUS_LANGUAGES}
    reports = {lang: threshold_report(classifier, pairs, threshold) for lang, pairs in sets.items()}
    reports["all"] = threshold_report(classifier, [p for pairs in sets.values() for p in pairs], threshold)
    return reports


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    mean_confidence: float
    accuracy: float


def reliability_table(
    classifier: TopicClassifier,
    pairs: Sequence[tuple[str, str]],
    edges: Sequence[float] = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
) -> list[Bin]:
    """Rows grouped by the confidence of their best guess: mean confidence against the share of
    rows whose best guess (``none`` included) is right. Calibrated means the two agree."""
    predictions = classifier.predict_many([text for text, _ in pairs])
    bins: list[Bin] = []
    for k, (low, high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        last = k == len(edges) - 2
        inside = [
            (p.confidence, p.best_topic == expected)
            for p, (_, expected) in zip(predictions, pairs, strict=True)
            if low <= p.confidence < high or (last and p.confidence == high)
        ]
        n = len(inside)
        bins.append(
            Bin(
                low=low,
                high=high,
                n=n,
                mean_confidence=sum(c for c, _ in inside) / n if n else 0.0,
                accuracy=sum(h for _, h in inside) / n if n else 0.0,
            )
        )
    return bins


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    total = sum(b.n for b in bins)
    return sum(b.n * abs(b.mean_confidence - b.accuracy) for b in bins) / total if total else 0.0


def print_reliability(name: str, bins: Sequence[Bin]) -> None:
    print(f"\nreliability, {name} (ECE {expected_calibration_error(bins):.3f})")
    print("  confidence    n     mean conf  accuracy")
    for b in bins:
        print(f"  {b.low:.2f}-{b.high:.2f}  {b.n:<5} {b.mean_confidence:.3f}      {b.accuracy:.3f}")


@dataclass(frozen=True)
class OtherLanguageReport:
    n: int
    wrong_tags: int
    recognised: int  # taken for a language outside the corpus


def other_language_reports(
    classifier: TopicClassifier, threshold: float = DEFAULT_THRESHOLD, split: str = "heldout"
) -> dict[str, OtherLanguageReport]:
    """Per other language: held-out lines, how many got a tag (all tags count as wrong) and how
    many the language check recognised as another language."""
    by_code: dict[str, list[str]] = {}
    for text, code in load_other_language_lines(split):
        by_code.setdefault(code, []).append(text)
    reports: dict[str, OtherLanguageReport] = {}
    for code, texts in sorted(by_code.items()):
        predictions = classifier.predict_many(texts, threshold)
        reports[code] = OtherLanguageReport(
            n=len(texts),
            wrong_tags=sum(p.topic is not None for p in predictions),
            recognised=sum(p.other_language for p in predictions),
        )
    return reports


def false_other_language(classifier: TopicClassifier) -> dict[str, tuple[int, int]]:
    """Per corpus language: (texts taken for another language, texts) on the held-out split and
    the scenario sets together."""
    rows = load_corpus_rows("heldout")
    result: dict[str, tuple[int, int]] = {}
    for lang in CORPUS_LANGUAGES:
        texts = [r["text"] for r in rows if r["lang"] == lang] + [t for t, _ in load_scenarios(lang)]
        predictions = classifier.predict_many(texts)
        result[lang] = (sum(p.other_language for p in predictions), len(texts))
    return result


def baseline(classifier_examples: Sequence[tuple[str, str]] | None = None) -> TopicClassifier:
    """The model as before calibration and the language check: same features and C."""
    return fit(load_corpus("train") if classifier_examples is None else classifier_examples, calibrate=False)


def scenario_overlap() -> list[str]:
    """Scenario texts that are also in the corpus (should be none)."""
    corpus = {normalise_text(t).rstrip(" .!?") for t, _ in load_corpus()}
    return [
        t for lang in CORPUS_LANGUAGES for t, _ in load_scenarios(lang) if normalise_text(t).rstrip(" .!?") in corpus
    ]


def load_external(path: str | Path) -> list[tuple[str, str]]:
    """``(text, topic)`` pairs from a JSON-lines file with ``text`` and ``topic`` fields."""
    pairs: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                pairs.append((row["text"], row["topic"]))
    return pairs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("external", nargs="?", default=DEFAULT_EXTERNAL, help="external JSON-lines set")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--baseline", action="store_true", help="no calibration, no language check")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    classifier = baseline() if args.baseline else train()
    trained_in = time.perf_counter() - started
    print(f"model {classifier!r}: trained on the train split in {trained_in:.1f} s")
    print(f"threshold {args.threshold:.2f}\n\nheld-out split")
    for name, report in heldout_reports(classifier, args.threshold).items():
        print("  " + report.line(name))
    print("\nheld-out scenarios (data/scenarios, never trained on)")
    for name, report in scenario_reports(classifier, args.threshold).items():
        print("  " + report.line(name))
    overlap = scenario_overlap()
    if overlap:
        print(f"  warning: {len(overlap)} scenario texts are also in the corpus: {overlap[:5]}")
    scenario_pairs = [p for lang in CORPUS_LANGUAGES for p in load_scenarios(lang)]
    print_reliability("held-out scenarios, all languages", reliability_table(classifier, scenario_pairs))
    heldout_pairs = [(r["text"], r["topic"]) for r in load_corpus_rows("heldout")]
    print_reliability("held-out split of the corpus", reliability_table(classifier, heldout_pairs))

    print("\nother languages, held-out half (every tag is wrong)")
    for code, other in other_language_reports(classifier, args.threshold).items():
        print(f"  {code}  n={other.n:<3} wrong_tags={other.wrong_tags}  recognised_as_other={other.recognised}")
    print("\ncorpus-language texts taken for another language (held-out split + scenarios)")
    for lang, (flagged, total) in false_other_language(classifier).items():
        print(f"  {lang}  {flagged}/{total}")

    external = Path(args.external)
    if not external.is_file():
        print(f"\nexternal set {external} is missing; skipped")
        return 0
    pairs = load_external(external)
    print(f"\nexternal set {external}")
    print("  " + threshold_report(classifier, pairs, args.threshold).line("all"))
    for topic in (*TOPIC_KEYS, NONE_TOPIC):
        subset = [(t, y) for t, y in pairs if y == topic]
        if subset:
            r = threshold_report(classifier, subset, args.threshold)
            share = f"tagged={r.tagged_share:.3f}" if topic != NONE_TOPIC else f"tagged={r.none_tagged}/{r.n}"
            print(f"    {topic:<18} n={r.n:<3} acc={r.accuracy:.3f}  {share}  tag_prec={r.tag_precision:.3f}")
    print_reliability("external set", reliability_table(classifier, pairs))
    texts = [t for t, _ in pairs] * 10
    started = time.perf_counter()
    for start in range(0, len(texts), 256):  # the batch size of services.tagging
        classifier.predict_many(texts[start : start + 256])
    elapsed = time.perf_counter() - started
    print(f"\npredict_many on {len(texts)} texts in batches of 256: {elapsed:.2f} s "
          f"({elapsed / len(texts) * 1000:.3f} ms per message)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
