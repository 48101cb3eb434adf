"""Calibration of the stocks thresholds: the solution and its GRU variant, several seeds.

Opt-in (about half a minute per seed on 2 cores):
``python -m pytest tests/test_calibration_stocks.py --calibrate -s``, or
``python tests/test_calibration_stocks.py [SAMPLE] [SEED ...]`` to print the figures of any
sample ("solution", "correct-gru", ...).

For each of REFERENCES and each seed of CALIBRATION_SEEDS the notebook trains in full with
`SEED = seed`, and the grader's measures are taken on the saved model: its MSE over the mean baseline's on the
students' test period (2011-2014) and on the held-back S&P 500 and NASDAQ (2015-2018), and the
spread of its predictions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config
from autograder.checks.stocks import cases
from autograder.samples import seeded_notebook, train

SETTINGS = course_config.ASSIGNMENTS["stocks"]
THRESHOLDS = SETTINGS.thresholds
STEP = 20
"""The notebook's STEP."""
REFERENCES = ("solution", "correct-gru")
"""The LSTM of the solution and the GRU of a correct sample: the bounds must pass both."""
RATIO_MARGIN = 0.01
"""Every honest ratio stays this far inside [min_mse_over_mean, max_mse_over_mean]."""


def measure(sample: str, seed: int) -> dict:
    """The grader's figures of `sample`'s notebook run with `seed`, and its seconds."""
    import keras

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rnnkit-calibration-") as tmp:
        saved = train(seeded_notebook("stocks", sample, seed), "stocks",
                      Path(tmp))[SETTINGS.saved_files[0]]
        seconds = time.perf_counter() - start
        model = keras.saving.load_model(saved, compile=False, safe_mode=True)
        figures = {period: cases.measure(model, period, STEP) for period in cases.PERIODS}
    figures["seconds"] = seconds
    return figures


def _report(sample: str, seed: int, figures: dict) -> str:
    parts = [f"{period} {figures[period]['ratio']:.4f} (persistence "
             f"{figures[period]['persistence'] / figures[period]['mean']:.2f}, spread "
             f"{figures[period]['spread']:.3f})" for period in cases.PERIODS]
    return f"{sample} seed {seed}: " + "; ".join(parts) + f"; notebook {figures['seconds']:.0f} s"


@pytest.mark.calibration
def test_thresholds_hold_for_every_reference_seed() -> None:
    results = {}
    for sample in REFERENCES:
        for seed in course_config.CALIBRATION_SEEDS:
            results[sample, seed] = measure(sample, seed)
            print(_report(sample, seed, results[sample, seed]))
    ratios = [r[p]["ratio"] for r in results.values() for p in cases.PERIODS]
    assert max(ratios) + RATIO_MARGIN <= THRESHOLDS["max_mse_over_mean"], ratios
    assert min(ratios) - RATIO_MARGIN >= THRESHOLDS["min_mse_over_mean"], ratios
    gaps = [abs(r["test"]["ratio"] - r["S&P 500"]["ratio"]) for r in results.values()]
    assert max(gaps) + RATIO_MARGIN <= THRESHOLDS["max_gap"], gaps
    spreads = [r[p]["spread"] for r in results.values() for p in cases.PERIODS]
    assert min(spreads) >= 5 * THRESHOLDS["min_prediction_std"], spreads


if __name__ == "__main__":
    sample = sys.argv[1] if len(sys.argv) > 1 else "solution"
    seeds = [int(s) for s in sys.argv[2:]] or list(course_config.CALIBRATION_SEEDS)
    for seed in seeds:
        print(_report(sample, seed, measure(sample, seed)), flush=True)
