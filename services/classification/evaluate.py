"""Train the topic classifier and report how it does.

Run from the project root::

    python -m services.classification.evaluate [EXTERNAL_JSONL] [--threshold 0.9]

Prints, per language of the held-out split and for the external English set:

* ``acc``      -- share of rows whose best guess (``none`` included) is the expected label;
* ``conf``     -- share of rows whose best guess has probability >= threshold;
* ``conf_prec``-- accuracy among those confident rows (the ">= 90 % rule" in one figure);
* ``tagged``   -- share of rows with a real topic that get a tag (best guess is a topic and
  probability >= threshold), i.e. the coverage of the tagging rule;
* ``tag_prec`` -- share of tags that are the expected topic (tags on ``none`` rows count as wrong);
* ``none_tagged`` -- ``none`` rows that wrongly received a tag.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .model import DEFAULT_THRESHOLD, TopicClassifier, load_corpus_rows, train
from .topics import CORPUS_LANGUAGES, NONE_TOPIC, TOPIC_KEYS

DEFAULT_EXTERNAL = "/work/shared/data/external_topics_en.jsonl"


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
    args = parser.parse_args(argv)

    started = time.perf_counter()
    classifier = train()
    trained_in = time.perf_counter() - started
    print(f"model {classifier.version}: trained on the train split in {trained_in:.1f} s")
    print(f"threshold {args.threshold:.2f}\n\nheld-out split")
    for name, report in heldout_reports(classifier, args.threshold).items():
        print("  " + report.line(name))

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
    started = time.perf_counter()
    classifier.predict_many([t for t, _ in pairs] * 10)
    print(f"\npredict_many on {len(pairs) * 10} texts: {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
