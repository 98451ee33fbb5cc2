"""Build the JSON-lines training corpus from the hand-written sources.

Sources: ``data/src/<lang>.txt`` -- one message per line under ``[topic]`` headers,
``#`` starts a comment line. Output: ``data/<lang>.jsonl`` with
``{"text", "topic", "split"}`` per line.

De-duplication is across all languages (in the order of ``CORPUS_LANGUAGES``) on a normalised
form (case-folded, whitespace collapsed, trailing punctuation ignored): the first occurrence
wins, so a text such as "ok" lives in one file only, and a text that appears under two different
topics is an error. The held-out split is fixed and deterministic: inside each
(language, topic) group the texts are ordered by the SHA-1 of ``"<lang>|<text>"`` and the
first ``round(0.2 * n)`` are marked ``heldout``.

Run: ``python -m services.classification.build_corpus`` (from the project root).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

from .topics import CORPUS_LANGUAGES, NONE_TOPIC, TOPIC_KEYS

DATA_DIR = Path(__file__).resolve().parent / "data"
SRC_DIR = DATA_DIR / "src"
HELDOUT_SHARE = 0.2
_VALID_TOPICS = frozenset(TOPIC_KEYS) | {NONE_TOPIC}


def _normalise(text: str) -> str:
    folded = re.sub(r"\s+", " ", text.casefold()).strip()
    return folded.rstrip(" .!?") or folded


def parse_source(path: Path) -> list[tuple[str, str]]:
    """Return ``(text, topic)`` pairs from one source file, in file order."""
    pairs: list[tuple[str, str]] = []
    topic: str | None = None
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            topic = header.group(1)
            if topic not in _VALID_TOPICS:
                raise ValueError(f"{path}:{lineno}: unknown topic {topic!r}")
            continue
        if topic is None:
            raise ValueError(f"{path}:{lineno}: text before the first [topic] header")
        pairs.append((line, topic))
    return pairs


def dedupe(
    pairs: list[tuple[str, str]], lang: str, seen: dict[str, tuple[str, str]] | None = None
) -> tuple[list[tuple[str, str]], int]:
    """Drop repeats; ``seen`` (normalised text -> (lang, topic)) is shared across languages so
    that a text such as "ok" or an emoji lives in one language file only."""
    seen = {} if seen is None else seen
    kept: list[tuple[str, str]] = []
    dropped = 0
    for text, topic in pairs:
        key = _normalise(text)
        if key in seen:
            other_lang, other_topic = seen[key]
            if other_topic != topic:
                raise ValueError(f"{lang}: {text!r} is listed under {other_topic} ({other_lang}) and {topic}")
            dropped += 1
            continue
        seen[key] = (lang, topic)
        kept.append((text, topic))
    return kept, dropped


def assign_split(pairs: list[tuple[str, str]], lang: str) -> list[dict[str, str]]:
    by_topic: dict[str, list[str]] = {}
    for text, topic in pairs:
        by_topic.setdefault(topic, []).append(text)
    heldout: set[tuple[str, str]] = set()
    for topic, texts in by_topic.items():
        ranked = sorted(texts, key=lambda t: hashlib.sha1(f"{lang}|{t}".encode()).hexdigest())
        for text in ranked[: round(HELDOUT_SHARE * len(texts))]:
            heldout.add((text, topic))
    return [
        {"text": text, "topic": topic, "split": "heldout" if (text, topic) in heldout else "train"}
        for text, topic in pairs
    ]


def build(langs: tuple[str, ...] = CORPUS_LANGUAGES) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    seen: dict[str, tuple[str, str]] = {}
    for lang in langs:
        src = SRC_DIR / f"{lang}.txt"
        pairs, dropped = dedupe(parse_source(src), lang, seen)
        rows = assign_split(pairs, lang)
        out = DATA_DIR / f"{lang}.jsonl"
        tmp = out.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(out)
        counts[lang] = Counter(row["topic"] for row in rows)
        print(f"{lang}: {len(rows)} rows ({dropped} duplicates dropped)", file=sys.stderr)
    return counts


def main() -> None:
    counts = build()
    topics = [*TOPIC_KEYS, NONE_TOPIC]
    print("| topic | " + " | ".join(counts) + " |")
    print("|---|" + "---:|" * len(counts))
    for topic in topics:
        print(f"| {topic} | " + " | ".join(str(c[topic]) for c in counts.values()) + " |")
    print("| **total** | " + " | ".join(str(sum(c.values())) for c in counts.values()) + " |")


if __name__ == "__main__":
    main()
