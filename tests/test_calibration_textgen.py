"""Calibration of the textgen threshold: the solution notebook, trained with several seeds.

Opt-in (a few minutes per seed on 2 cores):
``python -m pytest tests/test_calibration_textgen.py --calibrate -s``, or
``python tests/test_calibration_textgen.py [SAMPLE] [SEED ...]`` to print the figures of any
sample ("solution", "mistake-undertrained", ...).

For each seed of CALIBRATION_SEEDS the notebook trains in full with `SEED = seed`, and the
grader's measure is taken on the saved model: bits per character on its 3,000 characters of
reserved reviews, next to the unigram and bigram baselines on the same characters.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config
from autograder.checks.textgen import cases
from autograder.samples import seeded_notebook, train

SETTINGS = course_config.ASSIGNMENTS["textgen"]
REFERENCE = "solution"
BITS_MARGIN = 0.1
"""The worst reference seed must stay this far below the bound."""
BASELINE_MARGIN = 0.45
"""The bound must stay this far below the bigram baseline."""


def measure(sample: str, seed: int) -> tuple[float, float]:
    """(holdout bits per character, seconds) of `sample`'s notebook run with `seed`."""
    import keras

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rnnkit-calibration-") as tmp:
        saved = train(seeded_notebook("textgen", sample, seed), "textgen",
                      Path(tmp))[SETTINGS.saved_files[0]]
        seconds = time.perf_counter() - start
        model = keras.saving.load_model(saved, compile=False, safe_mode=True)
        window = cases.window_of(model, None)
        bits = cases.bits(model, cases.holdout_pieces(), window, "it")
    return bits, seconds


def _report(sample: str, seed: int, figures: tuple[float, float]) -> str:
    bits, seconds = figures
    unigram, bigram = cases.baselines()
    return (f"{sample} seed {seed}: holdout {bits:.3f} bits per character (unigram "
            f"{unigram:.3f}, bigram {bigram:.3f}), notebook {seconds:.0f} s")


@pytest.mark.calibration
def test_threshold_holds_for_every_reference_seed() -> None:
    results = {}
    for seed in course_config.CALIBRATION_SEEDS:
        results[seed] = measure(REFERENCE, seed)
        print(_report(REFERENCE, seed, results[seed]))
    worst = max(bits for bits, _ in results.values())
    assert worst + BITS_MARGIN <= SETTINGS.thresholds["holdout_bits"], worst
    _, bigram = cases.baselines()
    assert SETTINGS.thresholds["holdout_bits"] <= bigram - BASELINE_MARGIN


if __name__ == "__main__":
    sample = sys.argv[1] if len(sys.argv) > 1 else REFERENCE
    seeds = [int(s) for s in sys.argv[2:]] or list(course_config.CALIBRATION_SEEDS)
    for seed in seeds:
        print(_report(sample, seed, measure(sample, seed)), flush=True)
