"""The stocks loader and the hidden checks' reference data (seconds, offline)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import course_config
from autograder.checks import assignment_probes
from autograder.checks.stocks import cases
from autograder.checks.stocks import test_stocks as checks

RELEASE = (cases.LOADER_PATH.parents[2] / "release" / "stocks"
           / course_config.ASSIGNMENTS["stocks"].notebook)


def test_loader_is_the_course_copy() -> None:
    assert cases.LOADER_PATH.is_file()
    assert cases.loader().__file__ == str(cases.LOADER_PATH)


def test_students_get_the_sp500_up_to_2014() -> None:
    dates, prices = cases.loader().load_sp500()
    assert dates.dtype == np.dtype("datetime64[D]") and prices.dtype == np.float64
    assert len(dates) == len(prices) == 4_025
    assert str(dates[0]) == "1999-01-04" and str(dates[-1]) == "2014-12-31"
    assert np.all(np.diff(dates).astype(int) > 0) and np.all(prices > 0)
    train = dates < np.datetime64(cases.SPLIT_DATE)
    assert train.sum() == 3_019  # 1999-2010; 1,006 test days in 2011-2014


def test_held_back_series_start_after_the_students_data() -> None:
    held = cases.loader()._held_back()
    assert set(held) == {"S&P 500", "NASDAQ"}
    for dates, prices in held.values():
        assert str(dates[0]) == "2015-01-02" and str(dates[-1]) == "2018-12-31"
        assert len(dates) == len(prices) > 1_000 and np.all(prices > 0)


def test_loader_needs_neither_pandas_nor_network() -> None:
    code = ("import socket, sys\n"
            "def refuse(*a, **k): raise OSError('no network')\n"
            "socket.socket.connect = refuse\n"
            f"sys.path.insert(0, {str(cases.LOADER_PATH.parent)!r})\n"
            "import price_data\n"
            "price_data.load_sp500(); price_data._held_back()\n"
            "assert 'pandas' not in sys.modules and 'arch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_grader_scales_with_the_students_training_returns() -> None:
    mean, std = cases.training_stats()
    assert abs(mean) < 1e-4 and 0.013 < std < 0.014
    for period, windows in (("test", 1_006), ("S&P 500", 1_005 - 20), ("NASDAQ", 1_005 - 20)):
        x, y = cases.period_windows(period, 20)
        assert x.shape == (windows, 20, 1) and x.dtype == np.float32 and y.shape == (windows,)
        # persistence doubles the error of the mean on returns: they are nearly independent
        assert 1.8 < np.mean((x[:, -1, 0] - y) ** 2) / np.mean(y ** 2) < 2.3


def test_the_first_test_window_reads_the_last_training_returns() -> None:
    dates, prices = cases.loader().load_sp500()
    returns = cases.log_returns(prices)
    mean, std = cases.training_stats()
    train = int(np.sum(dates[1:] < np.datetime64(cases.SPLIT_DATE)))
    x, y = cases.period_windows("test", 5)
    assert np.allclose(x[0, :, 0], (returns[train - 5:train] - mean) / std, atol=1e-5)
    assert np.isclose(y[0], (returns[train] - mean) / std)


@pytest.mark.parametrize("case", [*cases.SPLIT_CASES, *(c[:4] for c in cases.PREPARE_CASES)])
def test_hidden_series_split_on_a_day_they_do_not_hold_before_a_jump(case) -> None:
    dates, values, split_date = cases.dated_series(*case)
    train = case[1]
    assert len(dates) == case[0] and np.all(np.diff(dates).astype(int) > 0)
    assert dates[train - 1] < np.datetime64(split_date) < dates[train]
    assert split_date not in {str(d) for d in dates}
    assert len(set(values.tolist())) == len(values)
    assert values[:train].max() * 50 < values[train:].min()
    assert np.array_equal(values.astype(np.float32).astype(np.float64), values)


def test_hidden_split_dates_are_not_in_the_release() -> None:
    text = RELEASE.read_text(encoding="utf-8")
    for case in [*cases.SPLIT_CASES, *(c[:4] for c in cases.PREPARE_CASES)]:
        assert cases.dated_series(*case)[2] not in text
    assert any(isinstance(arg, str) for probe in assignment_probes("stocks")
               for arg in probe.get("args", []))


def test_reference_prepare_matches_the_notebooks_toy_example() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 50.0, 60.0, 70.0, 80.0])
    x_train, _, x_test, y_test, mean, std = cases.prepare(values, 6, 2)
    assert x_train.shape == (4, 2, 1) and x_test.shape == (4, 2, 1)
    assert np.allclose(y_test * std + mean, [50, 60, 70, 80])
    assert np.allclose(x_test[0, :, 0] * std + mean, [5, 6])


# --- the cheapest wrong answers each check must catch --------------------------------------------

def _prepare_with(stats_of):
    def prepare(dates, values, split_date, step):
        dates, values = np.asarray(dates), np.asarray(values, dtype=np.float64)
        train = int(np.sum(dates < np.datetime64(split_date)))
        mean, std = stats_of(values, train)
        scaled = (values - mean) / std
        x_train, y_train = cases.windows(scaled[:train], step)
        x_test, y_test = cases.windows(scaled[train - step:], step)
        return x_train[..., None], y_train, x_test[..., None], y_test, mean, std
    return prepare


def test_a_scaler_fitted_on_the_whole_series_is_named_by_date(check_message) -> None:
    prepare = _prepare_with(lambda v, n: (float(v.mean()), float(v.std())))
    message = check_message("stocks", checks.test_prepare_scales_with_training_stats,
                            prepare=prepare)
    dates = cases.dated_series(*cases.PREPARE_CASES[0][:4])[0]
    assert "leaks into the scaling" in message and str(dates[-1]) in message


def test_right_statistics_returned_but_others_used_are_caught(check_message) -> None:
    honest = _prepare_with(lambda v, n: (float(v[:n].mean()), float(v[:n].std())))
    leaky = _prepare_with(lambda v, n: (float(v.mean()), float(v.std())))

    def prepare(dates, values, split_date, step):
        *arrays, _, _ = leaky(dates, values, split_date, step)
        return (*arrays, *honest(dates, values, split_date, step)[4:])

    message = check_message("stocks", checks.test_prepare_scales_with_training_stats,
                            prepare=prepare)
    assert "not its values scaled" in message
    assert check_message("stocks", checks.test_prepare_scales_with_training_stats,
                         prepare=honest) == ""


def test_a_shuffled_split_is_named_by_date(check_message) -> None:
    def split_by_date(dates, values, split_date):
        train = int(np.sum(np.asarray(dates) < np.datetime64(split_date)))
        values = np.random.default_rng(0).permutation(np.asarray(values, dtype=np.float64))
        return values[:train], values[train:]

    message = check_message("stocks", checks.test_split_is_chronological,
                            split_by_date=split_by_date)
    assert "on or after the split date" in message and "shuffles" in message


def test_simple_returns_are_told_apart(check_message) -> None:
    def log_returns(prices):
        values = np.asarray(prices, dtype=np.float64)
        return values[1:] / values[:-1] - 1.0

    message = check_message("stocks", checks.test_log_returns_match_reference,
                            log_returns=log_returns)
    assert "simple returns" in message


# --- any scaling fitted on the training part; mistakes named by what the code did ----------------

_SCALINGS = {
    "min-max": lambda v, n: (float(v[:n].min()), float(np.ptp(v[:n]))),
    "robust": lambda v, n: (float(np.median(v[:n])),
                            float(np.subtract(*np.percentile(v[:n], [75, 25])))),
    "feature_range (-1, 1)": lambda v, n: (float(v[:n].min() + np.ptp(v[:n]) / 2),
                                           float(np.ptp(v[:n]) / 2)),
    "std with ddof=1": lambda v, n: (float(v[:n].mean()), float(v[:n].std(ddof=1))),
}


@pytest.mark.parametrize("scaling", sorted(_SCALINGS))
def test_any_scaling_fitted_on_the_training_part_passes(check_message, scaling) -> None:
    prepare = _prepare_with(_SCALINGS[scaling])
    for check in (checks.test_prepare_scales_with_training_stats,
                  checks.test_prepare_keeps_test_out_of_training,
                  checks.test_prepare_windows_are_exact):
        assert check_message("stocks", check, prepare=prepare) == "", check.__name__


def test_a_min_max_scaler_fitted_on_the_whole_series_is_a_leak(check_message) -> None:
    prepare = _prepare_with(lambda v, n: (float(v.min()), float(np.ptp(v))))
    message = check_message("stocks", checks.test_prepare_scales_with_training_stats,
                            prepare=prepare)
    assert "more than the whole range of its training part" in message
    assert "leaks into the scaling" in message
    # the windows read back with the statistics returned are right: only the scaling is charged
    assert check_message("stocks", checks.test_prepare_windows_are_exact, prepare=prepare) == ""


def test_no_scaling_is_not_a_statistic_of_the_training_part(check_message) -> None:
    prepare = _prepare_with(lambda v, n: (0.0, 1.0))
    message = check_message("stocks", checks.test_prepare_scales_with_training_stats,
                            prepare=prepare)
    assert "below every value of its training part" in message


def test_targets_one_day_late_are_named(check_message) -> None:
    def make_windows(series, step):
        values = np.asarray(series, dtype=np.float64)
        count = len(values) - step - 1
        return (np.array([values[i:i + step] for i in range(count)]).reshape(count, step),
                values[step + 1:].copy())

    message = check_message("stocks", checks.test_windows_match_reference,
                            make_windows=make_windows)
    assert "two days after its window" in message and "missing" not in message


def test_a_prepare_failure_that_follows_from_the_split_says_so(check_message) -> None:
    def split_by_date(dates, values, split_date):  # a fixed share, not the date
        values = np.asarray(values, dtype=np.float64)
        cut = int(len(values) * 0.8)
        return values[:cut], values[cut:]

    def prepare(dates, values, split_date, step):
        train, _ = split_by_date(dates, values, split_date)
        mean, std = float(np.mean(train)), float(np.std(train))
        scaled = (np.asarray(values, dtype=np.float64) - mean) / std
        x_train, y_train = cases.windows(scaled[:len(train)], step)
        x_test, y_test = cases.windows(scaled[len(train) - step:], step)
        return x_train[..., None], y_train, x_test[..., None], y_test, mean, std

    message = check_message("stocks", checks.test_prepare_keeps_test_out_of_training,
                            prepare=prepare, split_by_date=split_by_date)
    assert "a test value in training" in message
    assert "follows from split_by_date" in message


def test_the_saved_model_is_measured_in_the_units_of_the_returns() -> None:
    """A model that copies the last input scores persistence's ratio whatever the scaling."""
    import keras

    copy = keras.Sequential([keras.Input((20, 1)), keras.layers.Cropping1D((19, 0)),
                             keras.layers.Flatten()])
    dates, returns = cases.sp500_returns()
    train = returns[dates < np.datetime64(cases.SPLIT_DATE)]
    for scaling in (None, (float(train.min()), float(np.ptp(train)))):
        got = cases.measure(copy, "S&P 500", 20, scaling)
        assert np.isclose(got["ratio"], got["persistence"] / got["mean"], rtol=1e-4)
        assert got["follows_last"] > 0.99


def test_model_layers_are_named_as_declared() -> None:
    import keras

    def stack(*layers):
        return keras.Sequential([keras.Input((5, 1)), *layers])

    stacked = stack(keras.layers.LSTM(4, return_sequences=True), keras.layers.Dropout(0.2),
                    keras.layers.GRU(3), keras.layers.Dense(2), keras.layers.Dense(1))
    checks._check_stack(stacked, "the model", 5)  # blog-style stacks are accepted
    for net, named in ((stack(keras.layers.LSTM(1)), "activation 'tanh'"),
                       (stack(keras.layers.LSTM(4), keras.layers.Dense(3),
                              keras.layers.Reshape((3, 1)), keras.layers.GRU(1)),
                        "Reshape")):
        with pytest.raises(checks.CheckFailed, match=named):
            checks._check_stack(net, "the model", 5)
