"""Message classification (SPEC T): tag customer messages with one of ten topics.

Only scikit-learn / joblib are imported here; training happens on demand (:func:`train`).
"""

from __future__ import annotations

from .model import (
    MODEL_VERSION,
    Prediction,
    TopicClassifier,
    classify_lines,
    load,
    load_corpus,
    save,
    train,
    train_and_save,
)
from .topics import TOPIC_KEYS, TOPIC_LABELS

__all__ = [
    "MODEL_VERSION",
    "TOPIC_KEYS",
    "TOPIC_LABELS",
    "Prediction",
    "TopicClassifier",
    "classify_lines",
    "load",
    "load_corpus",
    "save",
    "train",
    "train_and_save",
]
