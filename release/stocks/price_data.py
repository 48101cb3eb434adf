"""Daily closing prices of two stock indices, offline.

The prices come from the data files of the `arch` package (`arch.data.sp500` and
`arch.data.nasdaq`: Yahoo! Finance daily series, January 1999 to December 2018). This module
reads those CSV files directly, so it needs neither pandas nor a network.

`load_sp500()` gives the S&P 500 up to LAST_DATE: that is all the data of the assignment. The
later S&P 500 prices (2015 to 2018) and the NASDAQ Composite are held back: the grader measures
your saved model on returns from them, which no one has trained or tuned anything on.
"""

from __future__ import annotations

import csv
import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np

LAST_DATE = "2014-12-31"
"""The last day load_sp500 returns. Later prices are held back for grading."""


def _data_folder() -> Path:
    spec = importlib.util.find_spec("arch")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the `arch` package is not installed: pip install arch")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.cache
def _read(index: str) -> tuple[np.ndarray, np.ndarray]:
    """All the dates (datetime64[D]) and adjusted closes (float64) of `index`, oldest first."""
    path = _data_folder() / index / f"{index}.csv.gz"
    dates, closes = [], []
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            month, day, year = (int(part) for part in row["Date"].split("/"))
            dates.append(f"{year:04d}-{month:02d}-{day:02d}")
            closes.append(float(row["Adj Close"]))
    order = np.argsort(np.array(dates, dtype="datetime64[D]"), kind="stable")
    return np.array(dates, dtype="datetime64[D]")[order], np.array(closes)[order]


def _until(index: str, last: str | None) -> tuple[np.ndarray, np.ndarray]:
    dates, closes = _read(index)
    keep = slice(None) if last is None else dates <= np.datetime64(last)
    return dates[keep].copy(), closes[keep].copy()


def load_sp500() -> tuple[np.ndarray, np.ndarray]:
    """(dates, prices): the S&P 500's trading days from 1999-01-04 to LAST_DATE as a
    datetime64[D] array, and its adjusted close on each of them (float64), oldest first."""
    return _until("sp500", LAST_DATE)


def _held_back() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """What the grader measures on: the S&P 500 after LAST_DATE, and the NASDAQ Composite over
    the same years."""
    dates, closes = _read("sp500")
    later = dates > np.datetime64(LAST_DATE)
    nasdaq_dates, nasdaq = _read("nasdaq")
    nasdaq_later = nasdaq_dates > np.datetime64(LAST_DATE)
    return {"S&P 500": (dates[later].copy(), closes[later].copy()),
            "NASDAQ": (nasdaq_dates[nasdaq_later].copy(), nasdaq[nasdaq_later].copy())}
