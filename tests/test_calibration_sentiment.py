"""Calibration of the sentiment thresholds: the weakest correct model, trained with several seeds.

Opt-in (about 2 minutes per seed on 2 cores):
``python -m pytest tests/test_calibration_sentiment.py --calibrate -s``, or
``python tests/test_calibration_sentiment.py [SAMPLE] [SEED ...]`` to print the figures of any
sample ("solution", "correct-masked-simplernn", ...).

The holdout bound must let every correct model pass, so it is set from the plainest one the
notebook allows: Embedding(mask_zero) -> SimpleRNN(32) -> Dense(1, sigmoid), trained with the
notebook's recipe (the sample `correct-masked-simplernn`). For each seed of CALIBRATION_SEEDS
that notebook trains in full with `SEED = seed`, and the grader's measures are taken on the
saved end-to-end model: accuracy on the 2,000 held-out reviews, and the gap between 2,000
test-split reviews and those (each way).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config
from autograder.checks.sentiment import cases
from autograder.samples import seeded_notebook, train

SETTINGS = course_config.ASSIGNMENTS["sentiment"]
REFERENCE = "correct-masked-simplernn"
ACCURACY_MARGIN = 0.02
"""The worst reference seed must stay this far above the holdout bound."""
GAP_MARGIN = 0.01
"""The largest honest gap must stay this far below the gap bound."""


def measure(sample: str, seed: int) -> tuple[float, float, float]:
    """(holdout accuracy, test-sample accuracy, seconds) of `sample`'s notebook run with `seed`."""
    import keras

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rnnkit-calibration-") as tmp:
        saved = train(seeded_notebook("sentiment", sample, seed), "sentiment",
                      Path(tmp))[SETTINGS.saved_files[0]]
        model = keras.saving.load_model(saved, compile=False, safe_mode=True)
        seconds = time.perf_counter() - start
        holdout_texts, holdout_labels = cases.holdout()
        test_texts, test_labels = cases.test_sample()
        on_holdout = cases.accuracy(cases.probabilities(model, holdout_texts, "it"),
                                    holdout_labels)
        on_test = cases.accuracy(cases.probabilities(model, test_texts, "it"), test_labels)
    return on_holdout, on_test, seconds


def _report(sample: str, seed: int, figures: tuple[float, float, float]) -> str:
    on_holdout, on_test, seconds = figures
    return (f"{sample} seed {seed}: holdout {on_holdout:.4f}, test sample {on_test:.4f}, "
            f"gap {on_test - on_holdout:+.4f}, notebook {seconds:.0f} s")


@pytest.mark.calibration
def test_thresholds_hold_for_every_reference_seed() -> None:
    results = {}
    for seed in course_config.CALIBRATION_SEEDS:
        results[seed] = measure(REFERENCE, seed)
        print(_report(REFERENCE, seed, results[seed]))
    worst = min(on_holdout for on_holdout, _, _ in results.values())
    gaps = [on_test - on_holdout for on_holdout, on_test, _ in results.values()]
    assert worst - ACCURACY_MARGIN >= SETTINGS.thresholds["holdout_accuracy"], worst
    assert max(gaps) + GAP_MARGIN <= SETTINGS.thresholds["max_test_holdout_gap"], gaps
    assert -min(gaps) + GAP_MARGIN <= SETTINGS.thresholds["max_holdout_test_gap"], gaps
    # Clearly above chance: a post-padded SimpleRNN (about 0.5) cannot pass.
    assert SETTINGS.thresholds["holdout_accuracy"] >= 0.55


if __name__ == "__main__":
    sample = sys.argv[1] if len(sys.argv) > 1 else REFERENCE
    seeds = [int(s) for s in sys.argv[2:]] or list(course_config.CALIBRATION_SEEDS)
    for seed in seeds:
        print(_report(sample, seed, measure(sample, seed)), flush=True)
