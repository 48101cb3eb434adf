"""Hidden checks of the stocks assignment: returns, a split by date, scaling without a leak,
windows, the baselines, the model, and the saved model on prices nobody trained on."""

from __future__ import annotations

import numpy as np

from autograder.boundary import Artefacts
from autograder.checks import lib
from autograder.checks.lib import CheckFailed, check, expect
from autograder.checks.stocks import cases
from course_config import ASSIGNMENTS

THRESHOLDS = ASSIGNMENTS["stocks"].thresholds


# --- helpers ----------------------------------------------------------------------------------



def _scalar(part, what: str) -> float:
    value = lib.numbers(part, what)
    expect(value.size == 1 and np.isfinite(value).all(),
           f"{what} should be one finite number; it is {lib.describe(part)}")
    return float(value.reshape(()))


def _step(art: Artefacts) -> int:
    step = lib.value(art, "step")
    low, high = cases.STEP_RANGE
    expect(isinstance(step, int) and not isinstance(step, bool) and low <= step <= high,
           f"STEP should be an int between {low} and {high}; it is "
           f"{lib.describe(step, near=(low, high))}")
    return step


def _day(dates: np.ndarray, index: int, train: int) -> str:
    """How a message names the day of a value: its date (never the split date itself, which
    is a day no hidden series holds). Which day is the student's code's choice, so it is named
    only near the split or on the last day (the usual leaks), else only its side."""
    if 0 <= index - train < lib.SMALL or index == len(dates) - 1:
        return f"{dates[index]} ({index - train + 1} trading days after the split)"
    if index >= train:
        return f"a day more than {lib.SMALL} trading days after the split"
    if train - index <= lib.SMALL:
        return f"{dates[index]} ({train - index} trading days before the split)"
    return f"a day more than {lib.SMALL} trading days before the split"


def _check_stack(net, what: str, steps: int) -> None:
    """(None, steps, 1) in, a recurrent layer first, Dense layers after it ending in Dense(1)
    with no activation, and a parameter count equal to the formula's."""
    shape = lib.input_shape(net)
    expect(shape is not None, f"{what} has no input shape: start it with keras.Input(...)")
    if shape == (None, 1, steps) and steps > 1:
        raise CheckFailed(
            f"{what} reads inputs of shape {shape}: one timestep of {steps} features, so the "
            f"recurrent layer runs once and never carries a state. It should read "
            f"(None, {steps}, 1): {steps} days of one value")
    expect(shape == (None, steps, 1),
           f"{what} should read windows of shape (None, {steps}, 1); it reads {shape}")
    stack = lib.layers(net)
    kinds = [lib.layer_kind(layer) for layer in stack]
    expect(kinds and kinds[0] in lib.RECURRENT_LAYERS,
           f"{what} should start with a recurrent layer (SimpleRNN, LSTM or GRU) after "
           f"keras.Input; its layers are {kinds}: without one it has no memory of the days it "
           "reads")
    expect(all(kind == "Dense" for kind in kinds[1:]),
           f"after the recurrent layer {what} should have only Dense layers; it has {kinds[1:]}")
    output = lib.output_shape(net)
    expect(output == (None, 1),
           f"{what} should output (None, 1), one number per window; it outputs {output}"
           + (": the recurrent layer should return only its last state, without "
              "return_sequences=True" if len(output) == 3 else ""))
    expect(lib.inner(stack[-1]).units == 1 and lib.final_activation(net) == "linear",
           f"the last layer of {what} should be Dense(1) with no activation (a real number); "
           f"it has {lib.inner(stack[-1]).units} unit(s) and activation "
           f"{lib.final_activation(net)!r}")
    lib.expect_params(net, lib.layers(net), 1, what, " and one input feature per step")


# --- log returns ------------------------------------------------------------------------------

@check(1, "log_returns should give the n - 1 log returns log(p[t + 1] / p[t]) of n prices.")
def test_log_returns_match_reference(art: Artefacts) -> None:
    for name, prices, what in (
        ("log_returns_array", cases.RETURN_PRICES, f"{len(cases.RETURN_PRICES)} prices"),
        ("log_returns_list", cases.RETURN_LIST, f"a list of {len(cases.RETURN_LIST)} prices"),
    ):
        got = lib.array(art, name, "the function log_returns")
        want = cases.log_returns(prices)
        values = np.asarray(prices, dtype=np.float64)
        expect(got.dtype.kind == "f", f"log_returns of {what} gives dtype "
                                      f"{lib.dtype_text(got.dtype)}; it "
                                      "should give floats")
        expect(got.shape != (len(values),),
               f"log_returns of {what} gives {len(values)} values: one return per pair of "
               f"consecutive days makes {len(want)} (is there a leading 0 or NaN?)")
        lib.expect_shape(got, want.shape, f"log_returns of {what}")
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        simple = values[1:] / values[:-1] - 1.0
        expect(not np.allclose(got, simple, rtol=1e-6, atol=1e-9),
               f"log_returns of {what} gives simple returns, p[t + 1] / p[t] - 1; the log "
               "return is log(p[t + 1] / p[t])")
        expect(not np.allclose(got, 100.0 * want, rtol=1e-6, atol=1e-9),
               f"log_returns of {what} gives the log returns in percent (times 100); give "
               "them as they are")
        expect(not np.allclose(got, -want, rtol=1e-6, atol=1e-9),
               f"log_returns of {what} gives log(p[t] / p[t + 1]), the opposite sign")
        raise CheckFailed(f"log_returns of {what} has the right shape but wrong values: "
                          "value t should be log(prices[t + 1] / prices[t])")


# --- the split --------------------------------------------------------------------------------

@check(2, "split_by_date should give the values dated before the split date, then the others, "
          "in order: never shuffled.")
def test_split_is_chronological(art: Artefacts) -> None:
    for i, case in enumerate(cases.SPLIT_CASES):
        dates, values, _ = cases.dated_series(*case)
        train_size = case[1]
        what = f"split_by_date on a series of {len(values)} days ({train_size} before the split)"
        got = [lib.numbers(part, f"a part returned by {what}")
               for part in lib.parts(art, f"split_{i}", 2, what)]
        where = {float(v): j for j, v in enumerate(values)}
        sizes = (train_size, len(values) - train_size)
        for part, role, size in zip(got, ("training", "test"), sizes):
            expect(part.ndim == 1, f"the {role} part of {what} should be 1-D; it has "
                                   f"{lib.shape_text(part.shape, (size,))}")
            expect(all(float(v) in where for v in part),
                   f"the {role} part of {what} holds values that are not in the series")
        train = np.array([where[float(v)] for v in got[0]], dtype=np.int64)
        test = np.array([where[float(v)] for v in got[1]], dtype=np.int64)
        late = train[train >= train_size]
        expect(late.size == 0,
               f"in {what}, the training part holds the value of "
               f"{_day(dates, int(late.min()) if late.size else 0, train_size)}, on or after "
               "the split date"
               + (": the split shuffles the days. Split by date, keeping the order"
                  if late.size and len(got[0]) == train_size else ""))
        early = test[test < train_size]
        expect(early.size == 0,
               f"in {what}, the test part holds the value of "
               f"{_day(dates, int(early.min()) if early.size else 0, train_size)}, before "
               "the split date")
        expect(len(train) == train_size and len(test) == len(values) - train_size,
               f"{what} should give {train_size} training and {len(values) - train_size} test "
               f"values; it gives {lib.count_text(len(train), *sizes)} and "
               f"{lib.count_text(len(test), *sizes)}")
        expect(np.array_equal(train, np.arange(train_size))
               and np.array_equal(test, np.arange(train_size, len(values))),
               f"{what} gives the right values in another order: keep the order of the days "
               "(no shuffling, no sorting by value)")


# --- windows ------------------------------------------------------------------------------------

@check(2, "make_windows should pair each run of `step` values with the value that comes next.")
def test_windows_match_reference(art: Artefacts) -> None:
    for step in cases.WINDOW_STEPS:
        what = f"make_windows of {len(cases.WINDOW_SERIES)} values with step={step}"
        inputs, targets = (lib.numbers(part, f"a part returned by {what}")
                           for part in lib.parts(art, f"windows_{step}", 2, what))
        want_x, want_y = cases.windows(cases.WINDOW_SERIES, step)
        expect(inputs.shape != (len(want_x) + 1, step),
               f"the inputs of {what} have one window too many, {inputs.shape}: the last "
               "window would end at the last value, which leaves it no target")
        expect(inputs.shape != (len(want_x) - 1, step),
               f"the inputs of {what} have one window too few, {inputs.shape}: the last "
               "window and its target (the last value) are missing")
        lib.expect_shape(inputs, want_x.shape, f"the inputs of {what}")
        lib.expect_shape(targets, want_y.shape, f"the targets of {what}")
        expect(np.allclose(inputs, want_x, rtol=1e-6, atol=1e-9),
               f"the inputs of {what} have the right shape but wrong values: row i should be "
               "series[i:i + step]")
        if not np.allclose(targets, want_y, rtol=1e-6, atol=1e-9):
            expect(not np.allclose(targets, want_x[:, -1], rtol=1e-6, atol=1e-9),
                   f"in {what}, each target is the last value of its own window: it should be "
                   "the value right after the window, series[i + step]")
            raise CheckFailed(f"the targets of {what} have the right shape but wrong values: "
                              "target i should be series[i + step]")


# --- prepare --------------------------------------------------------------------------------

def _prepared(art: Artefacts, i: int):
    length, train, seed, start, step = cases.PREPARE_CASES[i]
    dates, values, _ = cases.dated_series(length, train, seed, start)
    what = (f"prepare(dates, values, split_date, {step}) on a series of {length} days "
            f"({train} before the split)")
    parts = lib.parts(art, f"prepare_{i}", 6, what)
    names = ("x_train", "y_train", "x_test", "y_test")
    arrays = [lib.numbers(part, f"the {name} of {what}") for part, name in zip(parts, names)]
    mean = _scalar(parts[4], f"the mean returned by {what}")
    std = _scalar(parts[5], f"the std returned by {what}")
    return dates, values, train, step, what, arrays, mean, std


@check(2, "prepare should scale with the mean and std of the training part only, and scale "
          "both parts with them.")
def test_prepare_scales_with_training_stats(art: Artefacts) -> None:
    for i in range(len(cases.PREPARE_CASES)):
        dates, values, train, _, what, arrays, mean, std = _prepared(art, i)
        want_mean, want_std = float(np.mean(values[:train])), float(np.std(values[:train]))
        seen = len(values)
        for stop in (len(values), *range(train + 1, len(values))):  # a leak names its last day
            if np.isclose(mean, np.mean(values[:stop]), rtol=1e-6):
                seen = stop
                break
        if seen > train and not np.isclose(mean, want_mean, rtol=1e-6):
            raise CheckFailed(
                f"{what} returns a mean of "
                f"{lib.value_text(mean, float(np.mean(values)), want_mean)}, the mean "
                "of the values up to "
                f"{_day(dates, seen - 1, train)}: the test period after the split leaks into "
                "the scaling "
                f"(the training part alone has mean {want_mean:.4g}). Compute mean and std on "
                "the training part only")
        expect(np.isclose(mean, want_mean, rtol=1e-6),
               f"{what} returns a mean of {lib.value_text(mean, want_mean)}; the training "
               f"part's is {want_mean:.4g}")
        expect(np.isclose(std, want_std, rtol=5e-3),  # np.std or ddof=1 alike
               f"{what} returns a std of {lib.value_text(std, want_std, float(np.std(values)))}; "
               "the training part's "
               f"is {want_std:.4g}"
               + (": that one includes the test period" if std > 2 * want_std else ""))
        # Every target, scaled back with the training statistics, must be a value of the
        # series (which ones is the other checks' concern): scaling with other statistics than
        # the ones returned shows here.
        for got, name in ((arrays[1], "y_train"), (arrays[3], "y_test")):
            raw = got.ravel() * want_std + want_mean
            near = (np.abs(raw[:, None] - values[None, :]).min(axis=1) if raw.size
                    else np.zeros(0))
            expect(bool(np.all(near < 0.05)),
                   f"the {name} of {what} are not its values scaled with the training mean "
                   "and std, (value - mean) / std")


@check(2, "No training window or target of prepare may hold a value dated on or after the "
          "split date.")
def test_prepare_keeps_test_out_of_training(art: Artefacts) -> None:
    for i in range(len(cases.PREPARE_CASES)):
        dates, values, train, _, what, arrays, mean, std = _prepared(art, i)
        x_train, y_train = arrays[:2]
        # Back to prices with the statistics prepare returned (the scaling has its own check)
        scale = std if std > 0 else 1.0
        for part, role in ((y_train, "training target"), (x_train, "training window")):
            raw = part.ravel() * scale + mean
            index = np.abs(raw[:, None] - values[None, :]).argmin(axis=1) if raw.size else raw
            close = np.abs(values[index] - raw) < 0.05 if raw.size else np.ones(0, bool)
            expect(close.all(),
                   f"the {role}s of {what}, scaled back with the mean and std it returns, hold "
                   "values that are not in the series")
            late = index[index >= train]
            expect(late.size == 0,
                   f"in {what}, a {role} holds the value of "
                   f"{_day(dates, int(late.min()) if late.size else 0, train)}: a test value "
                   "in training. Split first, then cut the training windows from the "
                   "training part only")


@check(2, "prepare should give every training window and one test window per test value, "
          "shaped (samples, step, 1).")
def test_prepare_windows_are_exact(art: Artefacts) -> None:
    for i in range(len(cases.PREPARE_CASES)):
        _, values, train, step, what, arrays, _, _ = _prepared(art, i)
        want = cases.prepare(values, train, step)
        names = ("x_train", "y_train", "x_test", "y_test")
        x_test, y_test = arrays[2], arrays[3]
        test_count = len(values) - train
        expect(not (step > 1 and x_test.shape[1:] == (1, step)),
               f"the x_test of {what} has {lib.shape_text(x_test.shape, (test_count, 1, step))}"
               f": one timestep of {step} "
               f"features; it should be (samples, {step}, 1)")
        expect(x_test.ndim == 3 or x_test.shape != (test_count, step),
               f"the x_test of {what} has shape {x_test.shape}: add the feature axis, "
               f"({test_count}, {step}, 1)")
        expect(len(y_test) != test_count - step or test_count <= step,
               f"{what} gives {len(y_test)} test targets for {test_count} test values: the "
               f"first {step} test values are never predicted. Start the test windows {step} "
               "values before the split, so that the first one reads the last training days")
        for got, ref, name in zip(arrays, want[:4], names):
            lib.expect_shape(got, ref.shape, f"the {name} of {what}")
        for got, ref, name in zip(arrays, want[:4], names):
            expect(np.allclose(got, ref, rtol=1e-5, atol=1e-6),
                   f"the {name} of {what} has the right shape but wrong values: window i "
                   "should read the scaled values i to i + step - 1 of its part, and its target "
                   "the one after them")


# --- baselines and model --------------------------------------------------------------------

@check(1, "persistence_baseline should give the last value of each (step, 1) window.")
def test_persistence_baseline_is_last_value(art: Artefacts) -> None:
    x = cases.PERSISTENCE_WINDOWS
    got = lib.array(art, "persistence", "the function persistence_baseline")
    what = f"persistence_baseline of {x.shape[0]} windows of shape {x.shape[1:]}"
    expect(not np.allclose(got.reshape(-1)[:x.shape[0]], x[:, 0, 0]) or got.size != x.shape[0],
           f"{what} gives the first value of each window; tomorrow's guess is the last one, "
           "x[:, -1, 0]")
    lib.expect_shape(got, (x.shape[0],), what)
    expect(np.allclose(got, x[:, -1, 0], rtol=1e-6, atol=1e-9),
           f"{what} has the right shape but wrong values: it should be x[:, -1, 0]")


@check(2, "build_model(step) should read (step, 1) windows with a recurrent layer of RNN_UNITS "
          "units and end in Dense(1).")
def test_model_layers_and_params(art: Artefacts) -> None:
    step = _step(art)
    units = lib.value(art, "rnn_units")
    expect(isinstance(units, int) and not isinstance(units, bool) and units > 0,
           f"RNN_UNITS should be a positive int; it is {lib.describe(units)}")
    for name, steps in (("built", step), ("built_7", 7)):
        what = f"the model of build_model({steps})"
        net = lib.model(art, name, what)
        _check_stack(net, what, steps)
        expect(lib.inner(lib.layers(net)[0]).units == units,
               f"the recurrent layer of {what} has {lib.inner(lib.layers(net)[0]).units} "
               f"units, not RNN_UNITS = {units}")


# --- the saved model ------------------------------------------------------------------------

@check(2, "The saved model should read windows of STEP scaled returns with a recurrent layer "
          "and give one number per window.")
def test_saved_model_reads_return_windows(art: Artefacts) -> None:
    _check_stack(cases.saved_model(art), "the saved model", _step(art))


def _measures(art: Artefacts) -> dict[str, dict[str, float]]:
    step = _step(art)
    return {period: cases.saved_model_measure(art, period, step) for period in cases.PERIODS}


@check(3, "On returns it never saw, the saved model should be about as good as the mean "
          "baseline, far better than persistence, and respond to its input.")
def test_saved_model_on_unseen_returns(art: Artefacts) -> None:
    limit = THRESHOLDS["max_mse_over_mean"]
    for period in ("S&P 500", "NASDAQ"):
        got = cases.saved_model_measure(art, period, _step(art))
        where = cases.PERIODS[period]
        expect(got["finite"], f"on {where} the saved model gives NaN or infinite predictions")
        ratio = lib.measure(f"mse_over_mean {period}", got["ratio"])
        persistence = lib.measure(f"persistence_over_mean {period}",
                                  got["persistence"] / got["mean"])
        echo = (" Its predictions follow the last return of each window (correlation "
                f"{got['follows_last']:.2f}): it learned tomorrow = today, as a model trained "
                "on prices does, or one whose targets are the last day of their own window. "
                "Hand in the model trained on the scaled log returns"
                if got["follows_last"] > cases.FOLLOWS_LAST else "")
        expect(ratio <= limit,
               f"on {where} (windows of log returns scaled with your training statistics) its "
               f"MSE is {ratio:.3f} times the mean baseline's; it should be at most "
               f"{limit:.2f} times. Persistence gives {persistence:.2f} times.{echo}")
        expect(got["spread"] >= THRESHOLDS["min_prediction_std"],
               f"on {where} the saved model gives the same prediction for every window (std "
               f"{got['spread']:.2g}): a constant is the mean baseline, not a model of the "
               "returns. Hand in the recurrent model trained on the returns")


@check(2, "The saved model should have been trained on the training period only: it must not "
          "know your test period or the later prices better than new days.")
def test_no_gap_between_test_and_unseen(art: Artefacts) -> None:
    got = _measures(art)
    low = THRESHOLDS["min_mse_over_mean"]
    for period in cases.PERIODS:
        ratio = got[period]["ratio"]
        expect(ratio >= low,
               f"on {cases.PERIODS[period]} its MSE is only {ratio:.3f} times the mean "
               f"baseline's: no model predicts days it has never seen that well (honest models "
               f"stay above {low:.2f}). It has been trained on them: train on the windows "
               "before SPLIT_DATE only")
    test, later = got["test"]["ratio"], got["S&P 500"]["ratio"]
    if max(test, later) > THRESHOLDS["max_mse_over_mean"]:
        return  # no better than the mean anywhere: nothing to compare (the check above fails it)
    expect(later - test <= THRESHOLDS["max_gap"],
           f"its MSE is {test:.3f} times the mean baseline's on your test period but "
           f"{later:.3f} times on the S&P 500 in 2015-2018: it knows the test period better "
           "than new days. Train on the training windows only")
    expect(test - later <= THRESHOLDS["max_gap"],
           f"its MSE is {later:.3f} times the mean baseline's on the S&P 500 in 2015-2018, "
           f"the prices load_sp500 holds back, but {test:.3f} times on your test period: it "
           "has been trained on the held-back prices. Train on the training windows only")
