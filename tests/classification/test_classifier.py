"""The topic classifier (SPEC T1, T2, T4): the real corpus, the real trained model, no mocks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import joblib
import pytest

import services.classification as classification
from services.classification import (
    MODEL_VERSION,
    TOPIC_KEYS,
    TOPIC_LABELS,
    Prediction,
    TopicClassifier,
    classify_lines,
    load,
    load_corpus,
    save,
    train,
    train_and_save,
)
from services.classification.evaluate import (
    expected_calibration_error,
    heldout_reports,
    load_scenarios,
    other_language_reports,
    reliability_table,
    scenario_overlap,
    scenario_reports,
    threshold_report,
)
from services.classification.model import (
    MAX_CHARS,
    fit,
    load_calibration_set,
    load_other_language_lines,
    normalise_text,
)
from services.classification.topics import CORPUS_LANGUAGES

DATA_DIR = Path(classification.__file__).resolve().parent / "data"
PROJECT_ROOT = Path(classification.__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def classifier() -> TopicClassifier:
    return train()


def _normalised(text: str) -> str:
    folded = re.sub(r"\s+", " ", text.casefold()).strip()
    return folded.rstrip(" .!?") or folded


# --------------------------------------------------------------------------- corpus


def test_corpus_has_enough_examples_per_topic_and_language() -> None:
    all_keys: list[str] = []
    for lang in CORPUS_LANGUAGES:
        rows = [json.loads(line) for line in (DATA_DIR / f"{lang}.jsonl").read_text("utf-8").splitlines() if line]
        assert all(set(row) == {"text", "topic", "split"} for row in rows), lang
        assert all(isinstance(row["text"], str) and row["text"].strip() for row in rows), lang
        assert {row["split"] for row in rows} == {"train", "heldout"}, lang
        counts = Counter(row["topic"] for row in rows)
        assert set(counts) == {*TOPIC_KEYS, "none"}, lang
        for topic in TOPIC_KEYS:
            assert counts[topic] >= 60, (lang, topic, counts[topic])
        assert counts["none"] >= 40, (lang, counts["none"])
        assert len(rows) >= 640, lang
        # about 20 % of every topic is held out
        for topic in (*TOPIC_KEYS, "none"):
            group = [row for row in rows if row["topic"] == topic]
            share = sum(row["split"] == "heldout" for row in group) / len(group)
            assert 0.15 <= share <= 0.25, (lang, topic, share)
        # de-duplicated: no text twice, so nothing held out is also trained on
        keys = [_normalised(row["text"]) for row in rows]
        assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
        all_keys += keys
    # ... also across languages ("ok" or an emoji is in one file only)
    assert len(all_keys) == len(set(all_keys)), [k for k, n in Counter(all_keys).items() if n > 1]


def test_corpus_splits_partition_the_corpus() -> None:
    train_pairs = load_corpus("train")
    heldout_pairs = load_corpus("heldout")
    everything = load_corpus()
    assert len(train_pairs) + len(heldout_pairs) == len(everything)
    assert not {t for t, _ in train_pairs} & {t for t, _ in heldout_pairs}
    assert 0.17 < len(heldout_pairs) / len(everything) < 0.23
    with pytest.raises(ValueError):
        load_corpus("test")


def test_topic_keys_and_labels_are_the_spec_ones() -> None:
    assert TOPIC_KEYS == (
        "checkout", "edit_order", "order_status", "pricing_discounts", "product_details",
        "product_interest", "returns", "shipping", "store_info", "wholesale",
    )
    assert list(TOPIC_LABELS) == list(TOPIC_KEYS)
    assert TOPIC_LABELS["returns"] == "Returns/delivered orders"
    assert TOPIC_LABELS["pricing_discounts"] == "Pricing/discounts"
    assert TOPIC_LABELS["edit_order"] == "Edit orders"


# --------------------------------------------------------------------------- predictions

# Written for this test, not in the corpus (checked below). All were written before the first run
# and all passed; one Dutch sentence was then swapped because it turned out to be in the corpus.
# They are clear messages, so a model that misses them at 0.9 is broken.
CLEAR_MESSAGES: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("Where is my parcel? I ordered two weeks ago, order #5521", "order_status"),
        ("Do you sell wholesale to shops? I'd like your trade price list", "wholesale"),
        ("My discount code SPRING10 doesn't work at checkout", "pricing_discounts"),
        ("The vase arrived broken, I want a refund", "returns"),
        ("Please cancel my order #7781, I ordered the wrong one", "edit_order"),
    ],
    "da": [
        ("Hvor meget koster fragten til Norge?", "shipping"),
        ("Jeg vil gerne annullere min ordre nr. 4410", "edit_order"),
        ("Hvad er jeres åbningstider i weekenden?", "store_info"),
        ("Min rabatkode virker ikke ved kassen", "pricing_discounts"),
        ("Skålen kom knust, jeg vil have pengene tilbage", "returns"),
    ],
    "de": [
        ("Kann ich auch per PayPal bezahlen?", "checkout"),
        ("Wo bleibt mein Paket? Bestellung 4471 ist seit einer Woche unterwegs", "order_status"),
        ("Verkauft ihr auch an Wiederverkäufer? Wir haben einen Laden in Köln", "wholesale"),
        ("Bitte stornieren Sie meine Bestellung 8812", "edit_order"),
        ("Die Tasse kam zerbrochen an, ich möchte mein Geld zurück", "returns"),
    ],
    "fi": [
        ("Paljonko toimitus maksaa Ruotsiin?", "shipping"),
        ("Haluan perua tilaukseni 2231", "edit_order"),
        ("Alennuskoodi ei toimi kassalla", "pricing_discounts"),
        ("Milloin tilaukseni lähetetään?", "order_status"),
        ("Myyttekö tukkuna jälleenmyyjille?", "wholesale"),
    ],
    "nl": [
        ("Lukt het ook om met PayPal af te rekenen?", "checkout"),
        ("Wat zijn de verzendkosten naar België?", "shipping"),
        ("Ik wil mijn bestelling annuleren, ordernummer 5512", "edit_order"),
        ("Mijn kortingscode werkt niet", "pricing_discounts"),
        ("Wat zijn jullie openingstijden op zaterdag?", "store_info"),
    ],
    "it": [
        ("Quanto costa la spedizione in Sicilia?", "shipping"),
        ("Vorrei annullare l'ordine 3321", "edit_order"),
        ("Il codice sconto non funziona", "pricing_discounts"),
        ("Qual è il vostro orario di apertura il sabato?", "store_info"),
        ("Vendete all'ingrosso ai negozi?", "wholesale"),
    ],
}


def test_clear_test_messages_are_not_in_the_corpus() -> None:
    corpus = {_normalised(text) for text, _ in load_corpus()}
    for messages in CLEAR_MESSAGES.values():
        for text, _ in messages:
            assert _normalised(text) not in corpus, text


@pytest.mark.parametrize("lang", CORPUS_LANGUAGES)
def test_clear_messages_in_each_language_get_their_topic(classifier: TopicClassifier, lang: str) -> None:
    for text, topic in CLEAR_MESSAGES[lang]:
        prediction = classifier.predict(text)
        assert prediction.best_topic == topic, (text, prediction)
        assert prediction.confidence >= 0.9, (text, prediction)
        assert prediction.topic == topic


def test_greeting_gets_no_topic(classifier: TopicClassifier) -> None:
    for text in ["hi", "Hello!", "Hej", "Hallo", "moi", "ciao", "thanks!", "Mange tak", "Danke schön",
                 "kiitos", "bedankt", "grazie mille", "ok", "👍", "😊", "bye"]:
        prediction = classifier.predict(text)
        assert prediction.topic is None, (text, prediction)
        assert prediction.best_topic == "none", (text, prediction)


def test_threshold_decides_the_tag(classifier: TopicClassifier) -> None:
    text = "How much is shipping to Sweden and can I pick up instead?"
    sure = classifier.predict(text, threshold=0.0)
    assert sure.topic == sure.best_topic == "shipping"
    assert classifier.predict(text, threshold=1.01).topic is None
    assert classifier.predict(text, threshold=1.01).best_topic == "shipping"
    assert isinstance(sure, Prediction)
    assert 0.0 <= sure.confidence <= 1.0
    with pytest.raises(AttributeError):
        sure.topic = "checkout"  # type: ignore[misc]  # frozen


def test_odd_text_never_crashes(classifier: TopicClassifier) -> None:
    assert classifier.predict("") == Prediction(topic=None, confidence=1.0, best_topic="none")
    assert classifier.predict("   \n\t ") == Prediction(topic=None, confidence=1.0, best_topic="none")
    assert classifier.predict("\x00\x01\x7f\u200b") == Prediction(topic=None, confidence=1.0, best_topic="none")
    odd = [
        "🦄", "🙂🙂🙂", "\ud800 lone surrogate", "Привет, где мой заказ?", "我的订单在哪里",
        "مرحبا", "#1043", "100 kr", "€€€", "a" * 100_000, "where is my order " * 6000,
        "line\r\nbreak\u2028sep\u2029para", "<script>alert(1)</script>", "ＦＵＬＬＷＩＤＴＨ", "\u0301\u0301",
    ]
    predictions = classifier.predict_many(odd)
    assert len(predictions) == len(odd)
    for text, prediction in zip(odd, predictions, strict=True):
        assert prediction.best_topic in (*TOPIC_KEYS, "none"), text[:30]
        assert 0.0 <= prediction.confidence <= 1.0
        assert prediction.topic in (None, prediction.best_topic)
    assert classifier.predict_many([]) == []
    # very long text is cut before vectorising, so it costs no more than a short one
    assert len(normalise_text("x" * 1_000_000)) == MAX_CHARS
    assert classifier.predict("x" * 1_000_000).best_topic in (*TOPIC_KEYS, "none")


def test_predict_many_handles_thousands_quickly(classifier: TopicClassifier) -> None:
    # timing is measured and printed by `python -m services.classification.evaluate`, not asserted
    texts = [text for text, _ in load_corpus("heldout")] * 4  # ~4,600 texts
    predictions = classifier.predict_many(texts)
    assert len(predictions) == len(texts)
    assert predictions[:10] == [classifier.predict(t) for t in texts[:10]]


def test_heldout_precision_at_threshold_is_high(classifier: TopicClassifier) -> None:
    # Measured when written: accuracy 0.836; 47 % of held-out rows reach 0.9 and 97.6 % of those
    # are right; per language 38-62 % reach 0.9 at 94-100 % precision. The floors leave room
    # for small corpus edits but catch a model that is wrong when sure, or never sure.
    reports = heldout_reports(classifier, 0.9)
    overall = reports["all"]
    assert overall.confident_precision >= 0.9, overall
    assert overall.tag_precision >= 0.9, overall
    assert overall.confident_share >= 0.30, overall
    assert overall.tagged_share >= 0.30, overall
    assert overall.accuracy >= 0.75, overall
    assert overall.none_tagged <= 2, overall
    for lang in CORPUS_LANGUAGES:
        report = reports[lang]
        assert report.confident_precision >= 0.85, (lang, report)
        assert report.confident_share >= 0.20, (lang, report)


# --------------------------------------------------------------------------- scenarios and calibration


def test_scenario_sets_are_separate_from_the_corpus() -> None:
    assert scenario_overlap() == []
    calibration = {_normalised(text) for text, _ in load_calibration_set()}
    assert len(calibration) >= 240
    assert not calibration & {_normalised(text) for text, _ in load_corpus()}
    assert not calibration & {_normalised(t) for lang in CORPUS_LANGUAGES for t, _ in load_scenarios(lang)}
    for lang in CORPUS_LANGUAGES:
        pairs = load_scenarios(lang)
        assert len(pairs) >= 80, lang
        counts = Counter(topic for _, topic in pairs)
        assert set(counts) == {*TOPIC_KEYS, "none"}, lang
        assert all(n >= 7 for n in counts.values()), (lang, counts)


def test_scenarios_are_tagged_precisely_in_every_language(classifier: TopicClassifier) -> None:
    # Measured when written (threshold 0.9): tag precision 0.982-1.000 and coverage 0.72-0.86 per
    # language (0.772 in all), no `none` line tagged. Corpus edits moved coverage by about 0.02, so
    # the floors catch a model that gets worse, not that noise.
    reports = scenario_reports(classifier)
    for lang in CORPUS_LANGUAGES:
        report = reports[lang]
        assert report.tag_precision >= 0.95, (lang, report)
        assert report.tagged_share >= 0.68, (lang, report)
    assert reports["all"].tag_precision >= 0.97, reports["all"]
    assert reports["all"].tagged_share >= 0.74, reports["all"]
    assert reports["all"].none_tagged <= 1, reports["all"]


def test_confidence_is_calibrated(classifier: TopicClassifier) -> None:
    assert classifier.temperature != 1.0  # fitted on out-of-fold predictions and data/calibration
    scenario_pairs = [p for lang in CORPUS_LANGUAGES for p in load_scenarios(lang)]
    for pairs in (scenario_pairs, load_corpus("heldout")):
        bins = reliability_table(classifier, pairs)
        assert expected_calibration_error(bins) < 0.06, bins
        sure = [b for b in bins if b.low >= 0.9 and b.n]
        n = sum(b.n for b in sure)
        # "the 90 % rule means 90 %": rows at >= 0.9 are right at least 90 % of the time
        assert sum(b.accuracy * b.n for b in sure) / n >= 0.9, sure


# --------------------------------------------------------------------------- other languages


def test_messages_in_other_languages_get_no_tag(classifier: TopicClassifier) -> None:
    # Held-out half of data/other_languages, never used to train the language check. Measured when
    # written: no tag in sv, fr, es, pl, pt; 3 of 20 Norwegian lines that read as plain Danish
    # ("hvor stor er vasen") got the topic a Danish reader would give them.
    reports = other_language_reports(classifier)
    assert set(reports) >= {"sv", "no", "fr", "es", "pl", "pt"}
    assert reports["no"].wrong_tags <= 4, reports["no"]
    assert reports["sv"].wrong_tags <= 1, reports["sv"]
    for code in ("fr", "es", "pl", "pt"):
        assert reports[code].wrong_tags == 0, (code, reports[code])
    swedish = classifier.predict("Hej! Jag har inte fått mitt paket än, kan ni kolla var det är?")
    assert swedish.topic is None and swedish.other_language and swedish.language == "sv", swedish
    assert swedish.confidence < 0.5  # services.tagging compares the confidence with its threshold
    assert classifier.predict("Bonjour, je voudrais annuler ma commande s'il vous plaît").topic is None


def test_corpus_languages_are_not_taken_for_other_languages(classifier: TopicClassifier) -> None:
    # Danish with English shop words, and very short text that is not checked at all
    for text, topic in [
        ("Hej, kan jeg betale med Apple Pay eller PayPal når jeg checker ud?", "checkout"),
        ("Hvornår kommer min pakke? Tracking siger bare 'in transit'", "order_status"),
        ("Voiko tilauksen maksaa PayPalilla?", "checkout"),
    ]:
        prediction = classifier.predict(text)
        assert not prediction.other_language, (text, prediction)
        assert prediction.best_topic == topic, (text, prediction)
    for text in ["tak", "ok", "hej", "takk", "tack", "merci", "gracias"]:
        prediction = classifier.predict(text)
        assert prediction.language is None and prediction.topic is None, (text, prediction)
    rows = load_corpus("heldout")
    flagged = [p for p in classifier.predict_many([t for t, _ in rows]) if p.other_language]
    assert len(flagged) <= len(rows) // 100, flagged


def test_other_language_split_is_fixed() -> None:
    train_lines = load_other_language_lines("train")
    heldout_lines = load_other_language_lines("heldout")
    assert heldout_lines and train_lines
    assert not {t for t, _ in train_lines} & {t for t, _ in heldout_lines}
    assert heldout_lines == load_other_language_lines("heldout")


# --------------------------------------------------------------------------- training


def test_a_correction_changes_the_next_trainings_answer(classifier: TopicClassifier) -> None:
    # A corpus row (checkout in the train split) that the shop's staff file under another topic:
    # the next training answers with their topic for that text and for a near variant.
    text, variant, topic = (
        "Do you accept Klarna or any pay later option?",
        "do you accept klarna or another pay later option",
        "pricing_discounts",
    )
    assert (text, "checkout") in load_corpus("train")
    assert classifier.predict(text).best_topic == "checkout"
    after = train([(text, topic)])
    assert after.predict(text).best_topic == topic
    assert after.predict(variant, threshold=0.0).best_topic == topic
    before_report, after_report = heldout_reports(classifier)["all"], heldout_reports(after)["all"]
    assert after_report.tag_precision >= before_report.tag_precision - 0.02, (before_report, after_report)
    assert after_report.tagged_share >= before_report.tagged_share - 0.02, (before_report, after_report)
    # a later correction of the same text wins
    again = train([(text, topic), (text.upper(), "checkout")])
    assert again.predict(text).best_topic == "checkout"
    scenario = [p for lang in CORPUS_LANGUAGES for p in load_scenarios(lang)]
    before_precision = threshold_report(classifier, scenario).tag_precision
    assert threshold_report(after, scenario).tag_precision >= before_precision - 0.02


def test_staff_corrections_are_learned() -> None:
    before = train()
    phrase = "zorblax quimp flurn"
    corrections = [(phrase, "wholesale"), ("zorblax quimp", "wholesale"), ("quimp flurn zorblax", "wholesale")]
    after = train(corrections)
    assert before.predict(phrase).best_topic != "wholesale"
    assert after.predict(phrase, threshold=0.0).best_topic == "wholesale"
    with pytest.raises(ValueError):
        train([("hello", "not_a_topic")])


# --------------------------------------------------------------------------- persistence


def test_saved_model_round_trips_and_other_version_is_ignored(classifier: TopicClassifier, tmp_path: Path) -> None:
    path = tmp_path / "models" / "topics.joblib"
    save(classifier, path)
    assert [p.name for p in path.parent.iterdir()] == ["topics.joblib"]  # no temporary file left
    loaded = load(path)
    assert isinstance(loaded, TopicClassifier)
    assert loaded.version == MODEL_VERSION
    texts = [text for messages in CLEAR_MESSAGES.values() for text, _ in messages]
    assert loaded.predict_many(texts) == classifier.predict_many(texts)
    assert load(str(path)) is not None

    assert load(tmp_path / "missing.joblib") is None
    assert load(tmp_path) is None  # a directory

    other = tmp_path / "other.joblib"
    joblib.dump({"version": "some-older-version", "classifier": classifier}, other)
    assert load(other) is None
    classifier_of_other_version = TopicClassifier(classifier.pipeline, version="some-older-version")
    joblib.dump({"version": MODEL_VERSION, "classifier": classifier_of_other_version}, other)
    assert load(other) is None
    joblib.dump(classifier, other)  # a bare object, not the saved layout
    assert load(other) is None


def test_corrupt_model_file_loads_as_none(classifier: TopicClassifier, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(os.urandom(4096))
    assert load(garbage) is None
    empty = tmp_path / "empty.joblib"
    empty.write_bytes(b"")
    assert load(empty) is None
    text = tmp_path / "text.joblib"
    text.write_text("not a model", encoding="utf-8")
    assert load(text) is None
    good = tmp_path / "good.joblib"
    save(classifier, good)
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert load(truncated) is None


def test_train_and_save_runs_in_a_process_pool(tmp_path: Path) -> None:
    path = tmp_path / "pool" / "topics.joblib"
    path.parent.mkdir()
    path.write_bytes(b"old, corrupt model")
    with ProcessPoolExecutor(max_workers=1) as pool:
        version = pool.submit(train_and_save, str(path), [("zorblax quimp flurn", "wholesale")]).result(timeout=120)
    assert version == MODEL_VERSION
    assert [p.name for p in path.parent.iterdir()] == ["topics.joblib"]
    loaded = load(path)
    assert loaded is not None
    assert loaded.predict("zorblax quimp flurn", threshold=0.0).best_topic == "wholesale"


def test_training_without_calibration_gives_temperature_one() -> None:
    # the training time (about 12 s with the 4-fold calibration) is printed by the evaluator
    plain = train(calibrate=False)
    assert plain.temperature == 1.0
    assert plain.language_model is not None
    # without a calibration set the temperature comes from cross-validation on the examples
    examples = load_corpus("train")[::3]
    assert fit(examples).temperature != 1.0
    few = [pair for topic in (*TOPIC_KEYS, "none") for pair in [p for p in examples if p[1] == topic][:3]]
    assert fit(few).temperature == 1.0  # too few per class for 4 folds


# --------------------------------------------------------------------------- JSON lines


def test_classify_lines_reports_bad_lines(classifier: TopicClassifier) -> None:
    lines = [
        json.dumps({"text": "Wat zijn de verzendkosten naar België?"}),
        "",
        "this is not json",
        json.dumps({"message": "no text field"}),
        "   ",
        json.dumps({"text": 42}),
        json.dumps(["text", "a list"]),
        json.dumps({"text": "hej"}) + "\n",
        json.dumps({"text": ""}),
        '{"text": "unterminated',
    ]
    results = list(classify_lines(iter(lines), classifier))
    assert len(results) == 8  # the two blank lines are skipped
    first = results[0]
    assert set(first) == {"text", "topic", "confidence", "best_topic"}
    assert first["text"] == "Wat zijn de verzendkosten naar België?"
    assert first["topic"] == first["best_topic"] == "shipping"
    assert first["confidence"] == round(first["confidence"], 4) and first["confidence"] >= 0.9
    assert results[1]["line"] == 3 and "error" in results[1]
    assert results[2]["line"] == 4 and "error" in results[2]
    assert results[3]["line"] == 6 and "error" in results[3]
    assert results[4]["line"] == 7 and "error" in results[4]
    assert results[5] == {"text": "hej", "topic": None, "confidence": results[5]["confidence"], "best_topic": "none"}
    assert results[6] == {"text": "", "topic": None, "confidence": 1.0, "best_topic": "none"}
    assert results[7]["line"] == 10 and "error" in results[7]
    assert all(set(r) == {"error", "line"} for r in results if "error" in r)
    json.dumps(results)  # everything is JSON-serialisable


def test_classify_lines_is_lazy_and_low_threshold_tags_more(classifier: TopicClassifier) -> None:
    def endless() -> Iterator[str]:
        n = 0
        while True:
            n += 1
            yield json.dumps({"text": f"where is my order #{n}"})

    stream = classify_lines(endless(), classifier, threshold=0.0)
    first = next(stream)
    assert first["topic"] == first["best_topic"] == "order_status"


# --------------------------------------------------------------------------- packaging


def test_package_import_stays_light() -> None:
    code = (
        "import sys, services.classification as c; "
        "heavy = {'torch', 'tensorflow', 'pandas', 'matplotlib', 'transformers', 'nicegui', 'sqlmodel'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy)); "
        "print('services.classification.evaluate' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "False"]
