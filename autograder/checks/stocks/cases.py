"""The hidden inputs of the stocks assignment, and the grader's own measures of a saved model.

Nothing here comes from a student's notebook: the references are written again from the
assignment's text. The prices come from the very loader the students get
(source/stocks/price_data.py, imported here by path), including the years and the index it
holds back: the grader measures the saved model on those.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import numpy as np

from autograder.checks import lib
from autograder.checks.lib import expect
from course_config import ASSIGNMENTS, ROOT

MODEL_FILE = "stocks_model.keras"
CAPS = ASSIGNMENTS["stocks"].model_caps
LOADER_PATH = Path(ROOT) / "source" / "stocks" / "price_data.py"
SPLIT_DATE = "2011-01-01"
"""The notebook's SPLIT_DATE: the saved model's inputs are scaled with the statistics of the
S&P 500 log returns dated before it."""
STEP_RANGE = (1, 64)
"""STEP values the grader accepts (the notebook declares 20)."""


def loader() -> ModuleType:
    """source/stocks/price_data.py, the students' loader, as a module."""
    return lib.support_module("stocks", "price_data.py")


# --- log_returns ------------------------------------------------------------------------------

_RNG = np.random.default_rng(60_521)
RETURN_PRICES = np.round(80.0 * np.exp(np.cumsum(_RNG.normal(0.0, 0.03, size=31))), 4)
"""31 positive prices with moves of a few percent: simple and log returns differ visibly."""
RETURN_LIST = [12.5, 13.0, 12.0, 12.75, 14.0]
"""A plain Python list."""


def log_returns(prices) -> np.ndarray:
    values = np.asarray(prices, dtype=np.float64)
    return np.log(values[1:] / values[:-1])


# --- dated series whose values name their day -------------------------------------------------

@functools.cache
def dated_series(length: int, train: int, seed: int, start: str):
    """(dates, values, split_date) of a hidden series: `length` trading days (weekdays) from
    `start`, values that are all different and exact in float32 (quarters of integers), a huge
    jump after the split (the test values are 100 times the training values: a statistic that
    sees them is far off), and a split date the series does not hold: the day after the last
    training day is a holiday, and the test days start after it. So no day of the series is the
    split date itself, and a message that names a day never names the split date."""
    first = np.busday_offset(np.datetime64(start, "D"), np.arange(train), roll="forward")
    split = first[-1] + 1
    later = np.busday_offset(split + 1, np.arange(length - train), roll="forward")
    dates = np.concatenate([first, later])
    rng = np.random.default_rng(seed)
    values = np.empty(length)
    values[:train] = 100.0 + rng.permutation(train) / 4.0
    values[train:] = 10_000.0 + rng.permutation(length - train) / 4.0
    return dates, values, str(split)


SPLIT_CASES = (
    # (length, training days, seed, first day): short enough that an error message quoting a
    # call's arguments would still show its split date (the no-echo test looks for it)
    (16, 11, 71, "2031-03-03"),
    (21, 9, 72, "2034-06-05"),
)
PREPARE_CASES = (
    # (length, training days, seed, first day, step)
    (18, 12, 81, "2032-09-13", 4),
    (20, 16, 82, "2035-02-20", 7),
    (12, 8, 83, "2036-11-03", 1),
)


def day_number(dates: np.ndarray) -> list[int]:
    """Days since 1970-01-01: how the dates travel to the student's function (an integer list
    the exporter turns back into datetime64[D])."""
    return dates.astype("datetime64[D]").astype(np.int64).tolist()


def split(values: np.ndarray, train: int) -> tuple[np.ndarray, np.ndarray]:
    return values[:train].copy(), values[train:].copy()


def windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference: inputs (n - step, step) of the `step` previous values, targets (n - step,)."""
    values = np.asarray(series, dtype=np.float64)
    count = len(values) - step
    inputs = np.array([values[i:i + step] for i in range(count)]).reshape(count, step)
    return inputs, values[step:].copy()


def prepare(values: np.ndarray, train: int, step: int):
    """Reference prepare: statistics of the training part, windows (samples, step, 1)."""
    mean, std = float(np.mean(values[:train])), float(np.std(values[:train]))
    scaled = (values - mean) / std
    x_train, y_train = windows(scaled[:train], step)
    x_test, y_test = windows(scaled[train - step:], step)
    return x_train[..., None], y_train, x_test[..., None], y_test, mean, std


WINDOW_SERIES = np.round(np.random.default_rng(5151).normal(0.0, 0.02, size=40), 6)
WINDOW_STEPS = (1, 3, 20)

PERSISTENCE_WINDOWS = np.round(np.random.default_rng(818).normal(size=(6, 5, 1)), 4)

# --- the saved model, on returns it never saw ------------------------------------------------


@functools.cache
def _returns(index: str, held_back: bool) -> tuple[np.ndarray, np.ndarray]:
    """(return dates, log returns) of the students' S&P 500 or of a held-back series."""
    if held_back:
        dates, prices = loader()._held_back()[index]
    else:
        dates, prices = loader().load_sp500()
    return dates[1:], log_returns(prices)


@functools.cache
def training_stats() -> tuple[float, float]:
    """Mean and std of the students' training returns (S&P 500, dated before SPLIT_DATE)."""
    dates, returns = _returns("S&P 500", False)
    train = returns[dates < np.datetime64(SPLIT_DATE)]
    return float(train.mean()), float(train.std())


def sp500_returns() -> tuple[np.ndarray, np.ndarray]:
    """(return dates, log returns) of the S&P 500 the students get: what the grader hands the
    student's prepare to learn how the saved model's inputs were scaled."""
    return _returns("S&P 500", False)


@functools.cache
def period_windows(period: str, step: int, scaling: tuple[float, float] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Scaled return windows (samples, step, 1) float32 and their targets of one period:
    "test" (the students' test period, 2011-2014, the first windows reading the last training
    returns), "S&P 500" or "NASDAQ" (2015-2018, held back). `scaling` is the (center, scale)
    the returns are scaled with, (value - center) / scale: the training mean and std unless
    the student's prepare scales otherwise (min-max, robust)."""
    center, scale = training_stats() if scaling is None else scaling
    if period == "test":
        dates, returns = _returns("S&P 500", False)
        train = int(np.sum(dates < np.datetime64(SPLIT_DATE)))
        series = (returns[train - step:] - center) / scale
    else:
        series = (_returns(period, True)[1] - center) / scale
    x, y = windows(series, step)
    return x[..., None].astype(np.float32), y


FOLLOWS_LAST = 0.3
"""Above this correlation with the last return of each window, a message says the model
follows the last value, as a model of prices does (the price model of the sample
mistake-price-model-handed-in: 0.51; honest models of returns learn a slight mean reversion
and correlate negatively, the solution's GRU variant -0.88). It only words a message."""

PERIODS = {"test": "your test period (S&P 500, 2011-2014)",
           "S&P 500": "the S&P 500 in 2015-2018",
           "NASDAQ": "the NASDAQ Composite in 2015-2018"}


def measure(net, period: str, step: int, scaling: tuple[float, float] | None = None
            ) -> dict[str, float]:
    """MSE of `net` on `period`, of the mean baseline (the training mean) and of persistence,
    the spread of the model's predictions, and how closely they follow the last return of
    each window (their correlation: a model of prices copies the last value).

    The windows are scaled with `scaling` (see period_windows) and every figure is in the
    units of the returns themselves, the predictions scaled back: so a model trained on
    min-max scaled returns is measured as one trained on standardised returns is."""
    center, scale = training_stats() if scaling is None else scaling
    x, y = period_windows(period, step, scaling)
    predictions = lib.predict(net, x)
    expect(predictions.size == len(y),
           f"for {len(y)} windows the saved model should give {len(y)} numbers (output "
           f"(None, 1)); it gives an array of shape {predictions.shape}")
    predictions = predictions.reshape(-1).astype(np.float64) * scale + center
    y = y * scale + center
    last = x[:, -1, 0].astype(np.float64) * scale + center
    mean_return = training_stats()[0]
    mse = float(np.mean((predictions - y) ** 2))
    mean = float(np.mean((y - mean_return) ** 2))
    moving = np.std(predictions) > 0 and np.all(np.isfinite(predictions))
    follows = float(np.corrcoef(predictions, last)[0, 1]) if moving else 0.0
    return {"follows_last": follows,
            "model": mse, "mean": mean, "persistence": float(np.mean((last - y) ** 2)),
            "ratio": mse / mean, "spread": float(np.std(predictions)) / training_stats()[1],
            "finite": bool(np.all(np.isfinite(predictions)))}


_MODELS: dict = {}
_MEASURES: dict = {}


def _file_key(art) -> tuple:
    path = art.saved_file(MODEL_FILE).path  # StudentCodeError if none was submitted
    stat = Path(path).stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def saved_model(art):
    """The submitted model, loaded once per file (several checks read it)."""
    key = _file_key(art)
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = lib.saved_model(art, MODEL_FILE, "the saved model", CAPS)
    return _MODELS[key]


def saved_model_measure(art, period: str, step: int,
                        scaling: tuple[float, float] | None = None) -> dict[str, float]:
    key = (_file_key(art), period, step, scaling)
    if key not in _MEASURES:
        _MEASURES[key] = measure(saved_model(art), period, step, scaling)
    return _MEASURES[key]
