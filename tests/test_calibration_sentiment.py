"""Calibration of the sentiment thresholds: the reference models, trained with several seeds.

Opt-in (minutes): ``python -m pytest tests/test_calibration_sentiment.py --calibrate -s``, or
``python tests/test_calibration_sentiment.py [SimpleRNN|LSTM]`` to print the figures.
The reference is the plain masked SimpleRNN the holdout bound must let through (the notebook's
recipe: vocabulary of 10,000 adapted on the training split, 200 steps, Embedding(32,
mask_zero) -> SimpleRNN(32) -> Dense(1, sigmoid), Adam, 3 epochs of batches of 64 with 10% of
the training split held for validation), trained on CPU with each seed of CALIBRATION_SEEDS.
The grader's measures are taken on the end-to-end model: accuracy on the 2,000 held-out
reviews, and the gap between 2,000 test-split reviews and those.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config
from autograder.checks.sentiment import cases

THRESHOLDS = course_config.ASSIGNMENTS["sentiment"].thresholds
ACCURACY_MARGIN = 0.02
"""The worst reference seed must stay this far above the holdout bound."""
GAP_MARGIN = 0.01
"""The largest honest gap must stay this far below the gap bound."""


def train_reference(kind: str, seed: int, epochs: int = 3) -> tuple[float, float, float]:
    """(holdout accuracy, test-sample accuracy, seconds of training) of one reference run."""
    import keras

    (train_texts, train_labels), _ = cases.loader().load_imdb()
    vectorizer = keras.layers.TextVectorization(max_tokens=10_000, output_sequence_length=200)
    vectorizer.adapt(train_texts, batch_size=512)
    x_train = vectorizer(train_texts)
    keras.utils.set_random_seed(seed)
    layer = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM}[kind](32)
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(10_000, 32, mask_zero=True), layer,
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, train_labels, validation_split=0.1, epochs=epochs, batch_size=64,
              verbose=0)
    seconds = time.perf_counter() - start
    end_to_end = keras.Sequential([keras.Input((1,), dtype="string"), vectorizer, model])
    holdout_texts, holdout_labels = cases.holdout()
    test_texts, test_labels = cases.test_sample()
    on_holdout = cases.accuracy(cases.probabilities(end_to_end, holdout_texts, "it"),
                                holdout_labels)
    on_test = cases.accuracy(cases.probabilities(end_to_end, test_texts, "it"), test_labels)
    return on_holdout, on_test, seconds


@pytest.mark.calibration
def test_thresholds_hold_for_every_reference_seed() -> None:
    results = {seed: train_reference("SimpleRNN", seed)
               for seed in course_config.CALIBRATION_SEEDS}
    for seed, (on_holdout, on_test, seconds) in results.items():
        print(f"seed {seed}: holdout {on_holdout:.4f}, test sample {on_test:.4f}, "
              f"gap {on_test - on_holdout:+.4f}, {seconds:.0f} s")
    worst = min(on_holdout for on_holdout, _, _ in results.values())
    widest = max(on_test - on_holdout for on_holdout, on_test, _ in results.values())
    assert worst - ACCURACY_MARGIN >= THRESHOLDS["holdout_accuracy"], worst
    assert widest + GAP_MARGIN <= THRESHOLDS["max_test_holdout_gap"], widest
    # Clearly above chance: a post-padded SimpleRNN (about 0.5) cannot pass.
    assert THRESHOLDS["holdout_accuracy"] >= 0.55


if __name__ == "__main__":
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    kind = sys.argv[1] if len(sys.argv) > 1 else "SimpleRNN"
    seeds = [int(s) for s in sys.argv[2:]] or list(course_config.CALIBRATION_SEEDS)
    for seed in seeds:
        on_holdout, on_test, seconds = train_reference(kind, seed)
        print(f"{kind} seed {seed}: holdout {on_holdout:.4f}, test sample {on_test:.4f}, "
              f"gap {on_test - on_holdout:+.4f}, training {seconds:.0f} s", flush=True)
