"""The hidden inputs of the windows assignment, and the grader's own reference answers.

Nothing here comes from a student's notebook: the reference functions are written again from the
assignment's text, so a check never compares a student's answer with itself.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import lib
from autograder.checks.lib import expect

TRAIN_SIZE = 800
"""Where the notebook's series (and the grader's) splits: the first 800 values are training."""

SERIES_LENGTH = 1000

# --- make_windows ---------------------------------------------------------------------------

_RNG = np.random.default_rng(5150)
WINDOW_SERIES = np.round(_RNG.normal(0.0, 3.0, size=23), 6)
"""A float64 series with signs and no pattern, windowed with each of WINDOW_STEPS."""
WINDOW_STEPS = (1, 2, 4, 7)

EDGE_SERIES = (0.5, -1.25, 2.0, 8.5, -3.0)
"""len = step + 1 for step 4: exactly one window."""
EDGE_STEP = 4

LIST_SERIES = [2.5, -0.5, 1.0, 4.0, -2.0, 0.25, 3.5, -1.5, 6.0]
"""A plain Python list (not an array)."""
LIST_STEP = 3

INT_SERIES = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
"""Integers: the windows must still come back as floats."""
INT_STEP = 3

FLOAT32_SERIES = (0.1, 0.2, 0.7, -0.3, 1.9, 2.2)
FLOAT32_STEP = 2

BAD_STEPS = (0, -2, 2.5)
"""Steps make_windows must refuse with ValueError (a short, valid series is used)."""
SHORT_CASES = (([1.0, 2.0, 3.0], 3), ([1.0, 2.0], 5), ([], 1))
"""(series, step) with len(series) <= step: no window fits, ValueError."""

MUTATION_STEP = 5


def windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference: inputs (n - step, step) of the `step` previous values, targets (n - step,)."""
    values = np.asarray(series, dtype=np.float64)
    count = len(values) - step
    inputs = np.array([values[i:i + step] for i in range(count)]).reshape(count, step)
    return inputs, values[step:].copy()


# --- split_windows --------------------------------------------------------------------------

def split_series(length: int, seed: int) -> np.ndarray:
    """A series whose values are all different and exact in float32 (quarters of integers), so
    every value a student returns names the index it came from."""
    return np.random.default_rng(seed).permutation(length).astype(np.float64) / 4.0


SPLIT_CASES = (
    # (length, seed, step, train_size or None for the default 800)
    (SERIES_LENGTH, 11, 4, None),
    (SERIES_LENGTH, 12, 1, None),
    (400, 13, 6, 300),
)


def split_parts(series: np.ndarray, step: int, train_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The two slices a split windows: the training part, and the test part with the last
    `step` training values before it (the first test window's inputs)."""
    return series[:train_size], series[train_size - step:]


def split(series: np.ndarray, step: int, train_size: int):
    """Reference split: a window is a test window exactly when its target is a test value.

    Training windows use series[:train_size] only (inputs and targets); test targets are
    series[train_size:], and the first test windows read the last `step` training values.
    """
    train, test = split_parts(series, step, train_size)
    return (*windows(train, step), *windows(test, step))


# --- baselines and layout -------------------------------------------------------------------

BASELINE_WINDOWS = np.round(np.random.default_rng(808).uniform(-2, 3, size=(6, 5)), 4)
LAYOUT_WINDOWS = (
    np.round(np.random.default_rng(909).normal(size=(5, 4)), 4),
    np.array([[0.5], [1.5], [-2.0]]),
    np.round(np.random.default_rng(910).normal(size=(2, 7)), 4),
)

# --- the noisy sine the grader evaluates sine_model on ----------------------------------------

GRADER_SINE_SEED = 271828
"""Not the notebook's SEED: the model is measured on a series it has never seen."""
NOISE_FLOOR = 1.0 / 3.0
"""Variance of 2*U[0, 1): no predictor of the next value can do better on average."""
SINE_STEP_RANGE = (1, 64)
"""STEP values the grader accepts (the notebook declares 4)."""


def noisy_sine(n: int = SERIES_LENGTH, seed: int = GRADER_SINE_SEED) -> np.ndarray:
    """sin(0.02 t) + 2 U[0, 1), t = 0..n-1, exactly as the notebook's make_series."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(0.02 * t) + 2.0 * rng.random(n)


def sine_test_windows(step: int, seed: int = GRADER_SINE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """The grader's test windows in the RNN layout (200, step, 1), and their targets (200,)."""
    _, _, x_test, y_test = split(noisy_sine(SERIES_LENGTH, seed), step, TRAIN_SIZE)
    return x_test[..., np.newaxis].astype(np.float32), y_test


def baseline_mses(step: int, seed: int = GRADER_SINE_SEED) -> dict[str, float]:
    x, y = sine_test_windows(step, seed)
    x = x[..., 0]
    return {"last value": float(np.mean((x[:, -1] - y) ** 2)),
            "window mean": float(np.mean((x.mean(axis=1) - y) ** 2))}


# --- next-character windows -------------------------------------------------------------------

SENTENCE = "every window ends where the next character begins"
"""The notebook's sentence: every 3-character context has a single next character."""
CHAR_SIZE = 3
CHAR_CASES = (("hello world", 3), ("abcabc", 1), ("héllo ✓ wörld", 5), ("aaaa", 3))
CHAR_MODEL_VOCAB, CHAR_MODEL_SIZE = 11, 5


def vocabulary(text: str) -> list[str]:
    return sorted(set(text))


def char_windows(text: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference: sorted-vocabulary indices, windows (n - size, size) and next (n - size,)."""
    table = {ch: i for i, ch in enumerate(vocabulary(text))}
    indices = np.array([table[ch] for ch in text], dtype=np.int64)
    count = len(text) - size
    x = np.array([indices[i:i + size] for i in range(count)], dtype=np.int64).reshape(count, size)
    return x, indices[size:]


def one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    return np.eye(size, dtype=np.float32)[np.asarray(indices)]


# --- the grader's measures of the trained models (also used by the calibration test) ----------

def measure_sine_mse(net, step: int) -> float:
    """Test MSE of `net` on the grader's own noisy sine (200 windows after index 800)."""
    x, y = sine_test_windows(step)
    predictions = lib.predict(net, x)
    expect(predictions.size == len(y),
           f"for {len(y)} windows the model should give {len(y)} numbers (output (None, 1)); "
           f"it gives an array of shape {predictions.shape}")
    return float(np.mean((predictions.reshape(-1).astype(np.float64) - y) ** 2))


def measure_char_accuracy(net) -> float:
    """Share of the sentence's next characters `net` predicts right (sorted vocabulary, one-hot)."""
    x, y = char_windows(SENTENCE, CHAR_SIZE)
    vocab = len(vocabulary(SENTENCE))
    probabilities = lib.predict(net, one_hot(x, vocab))
    expect(probabilities.shape == (len(y), vocab),
           f"for {len(y)} windows of the sentence the model should output ({len(y)}, {vocab}) "
           f"probabilities; it outputs {probabilities.shape}")
    return float(np.mean(np.argmax(probabilities, axis=-1) == y))
