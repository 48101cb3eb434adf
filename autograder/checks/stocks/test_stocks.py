"""Hidden checks of the stocks assignment: returns, a split by date, scaling without a leak,
windows, the baselines, the model, and the saved model on prices nobody trained on."""

from __future__ import annotations

import functools

import numpy as np

from autograder.boundary import Artefacts, StudentCodeError
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


def _upstream(art: Artefacts, *functions: str) -> str:
    """' This follows from make_windows, which fails its own check: fix it first.' for each
    of `functions` ("split_by_date", "make_windows") that fails its own check, else ''."""
    own = {"split_by_date": test_split_is_chronological,
           "make_windows": test_windows_match_reference}
    failing = []
    for name in functions:
        try:
            own[name](art)
        except (CheckFailed, StudentCodeError):
            failing.append(name)
    if not failing:
        return ""
    return (f" This follows from {' and '.join(failing)}, which "
            f"{'fail their' if len(failing) > 1 else 'fails its'} own check: fix "
            f"{'them' if len(failing) > 1 else 'it'} first.")


def _follows_from(*functions: str):
    """A check of a function that calls `functions`: its message says when one of them fails
    its own check, since this one's failure may follow from it."""
    def wrap(body):
        @functools.wraps(body)
        def run(art: Artefacts) -> None:
            try:
                body(art)
            except CheckFailed as failed:
                note = _upstream(art, *functions)
                raise CheckFailed(f"{str(failed).rstrip('.')}.{note}" if note
                                  else str(failed)) from None
        return run
    return wrap


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
    dense = [j for j, kind in enumerate(kinds) if kind == "Dense"]
    expect(all(kind in (*lib.RECURRENT_LAYERS, "Dense", "Dropout") for kind in kinds)
           and not (dense and any(kind in lib.RECURRENT_LAYERS for kind in kinds[dense[0]:])),
           f"after its recurrent layers {what} should have only Dense layers (Dropout "
           f"allowed); its layers are {[lib.declared(layer) for layer in stack]}")
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

@check(1, "log_returns should give the n - 1 log returns log(p[t + 1] / p[t]) of n prices.",
       differently="np.log(p[1:] / p[:-1]), np.diff(np.log(p)), a pandas-style "
                   "log(p).diff() without its leading NaN, float32 or float64: compared "
                   "within 1e-9 relative, the dtype only has to be a float; a list of prices "
                   "must work too (np.asarray first)",
       cheapest_wrong="Simple returns p[t + 1] / p[t] - 1 agree with log returns to a few "
                      "digits on calm days: the grader's prices move by a few percent, so "
                      "they differ and are named, as are percent, the opposite sign and a "
                      "leading 0 or NaN (n values instead of n - 1)")
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
          "in order: never shuffled.",
       differently="A boolean mask on dates < np.datetime64(split_date), np.searchsorted "
                   "(the sample correct-sliding-window-view), a loop, lists or float32 "
                   "arrays: only which values go where, and their order, are compared",
       cheapest_wrong="Splitting at a fixed share (80%) or at an index found with <= instead "
                      "of <: the grader's split date is a holiday no series holds, and its "
                      "two series split at other shares than the notebook's, so a wrong "
                      "cut shows and its first misplaced day is named; a random split "
                      "(train_test_split) is named as shuffling")
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

@check(2, "make_windows should pair each run of `step` values with the value that comes next.",
       differently="Any construction of the same arrays passes: a loop, fancy indexing, "
                   "sliding_window_view over series[:-1] (correct-sliding-window-view), "
                   "tf.data's window or timeseries_dataset_from_array collected to numpy; lists, "
                   "float32 and (n, step, 1) inputs are read as numbers, only the values count",
       cheapest_wrong="Windows off by one (the target is the window's own last day, or the day "
                      "after its target: one window fewer) have the right look on a toy "
                      "series; the grader's random series at steps 1, 3 and 20 tells each "
                      "apart and names it, and the count of windows is checked exactly")
def test_windows_match_reference(art: Artefacts) -> None:
    for step in cases.WINDOW_STEPS:
        what = f"make_windows of {len(cases.WINDOW_SERIES)} values with step={step}"
        inputs, targets = (lib.numbers(part, f"a part returned by {what}")
                           for part in lib.parts(art, f"windows_{step}", 2, what))
        want_x, want_y = cases.windows(cases.WINDOW_SERIES, step)
        if inputs.ndim == 3 and inputs.shape[2:] == (1,):
            inputs = inputs[..., 0]  # (n, step, 1) is the model's layout: the values count
        same = {"rtol": 1e-6, "atol": 1e-9}
        if inputs.shape == (len(want_x) - 1, step) and targets.shape == (len(want_y) - 1,):
            expect(not (np.allclose(inputs, want_x[:-1], **same)
                        and np.allclose(targets, want_y[1:], **same)),
                   f"in {what}, each target is the value two days after its window, "
                   "series[i + step + 1], so the last window has none and is dropped: the "
                   "target should be the very next value, series[i + step]")
            expect(not np.allclose(inputs, want_x[1:], **same),
                   f"the inputs of {what} have one window too few, {inputs.shape}: the first "
                   "window, series[0:step], is missing")
        dropped = len(want_x) - len(inputs)
        expect(not (step > 1 and dropped == step - 1 and inputs.ndim == 2
                    and np.allclose(inputs, want_x[:len(inputs)], **same)),
               f"the inputs of {what} stop {step - 1} windows early: the last step - 1 "
               "windows are missing (timeseries_dataset_from_array on series[:-step] stops "
               "there). Every run of step values that has a next value is a window: "
               f"{len(want_x)} of them")
        expect(inputs.shape != (len(want_x) + 1, step),
               f"the inputs of {what} have one window too many, {inputs.shape}: the last "
               "window would end at the last value, which leaves it no target")
        expect(inputs.shape != (len(want_x) - 1, step),
               f"the inputs of {what} have one window too few, {inputs.shape}: the last "
               "window and its target (the last value) are missing")
        lib.expect_shape(inputs, want_x.shape, f"the inputs of {what}")
        lib.expect_shape(targets, want_y.shape, f"the targets of {what}")
        expect(np.allclose(inputs, want_x, **same),
               f"the inputs of {what} have the right shape but wrong values: row i should be "
               "series[i:i + step]")
        if not np.allclose(targets, want_y, **same):
            expect(not np.allclose(targets, want_x[:, -1], **same),
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


def _usable(center: float, scale: float) -> bool:
    """Whether (center, scale) can scale a series back: finite, and a positive scale."""
    return bool(np.isfinite(center) and np.isfinite(scale) and scale > 0)


def _scaled_back(got: np.ndarray, center: float, scale: float) -> np.ndarray:
    return got * scale + center


@check(2, "prepare should scale with statistics of the training part only (its mean and std, "
          "or its min and range), and scale both parts with the two numbers it returns.",
       differently="Any scaling fitted on the training part is accepted, as the two numbers "
                   "it scales with, (value - center) / scale: mean and std (np.std or ddof=1), "
                   "min and max - min (MinMaxScaler: the sample mistake-minmax-model-fits-noise "
                   "passes here), "
                   "median and IQR (RobustScaler), midrange and half range (feature_range "
                   "(-1, 1)). The check asks only that the center lies within the training "
                   "values and the scale within their range, and that the arrays are scaled "
                   "with the numbers returned",
       cheapest_wrong="Statistics of the whole series (StandardScaler().fit(series)): the "
                      "hidden series jump a hundredfold after the split, so any statistic "
                      "that sees a test day lies far outside the training values and is "
                      "named a leak, by date where it is a prefix mean. Returning the "
                      "training statistics while scaling with others fails the scaled-back "
                      "targets; center 0 and scale 1 (no scaling) lie outside the training "
                      "values")
@_follows_from("split_by_date")
def test_prepare_scales_with_training_stats(art: Artefacts) -> None:
    for i in range(len(cases.PREPARE_CASES)):
        dates, values, train, _, what, arrays, mean, std = _prepared(art, i)
        part = values[:train]
        want_mean, want_std = float(np.mean(part)), float(np.std(part))
        low, high = float(part.min()), float(part.max())
        spread = high - low
        seen = next((stop for stop in (len(values), *range(train + 1, len(values)))
                     if np.isclose(mean, np.mean(values[:stop]), rtol=1e-6)), None)
        if seen is not None:  # the mean of a prefix that goes past the split: name its day
            raise CheckFailed(
                f"{what} returns a mean of "
                f"{lib.value_text(mean, float(np.mean(values)), want_mean)}, the mean "
                "of the values up to "
                f"{_day(dates, seen - 1, train)}: the test period after the split leaks into "
                "the scaling "
                f"(the training part alone has mean {want_mean:.4g}). Compute mean and std on "
                "the training part only")
        said = lib.value_text(mean, want_mean, low, float(np.mean(values)))
        tolerance = 1e-6 * max(abs(low), abs(high), 1.0)
        expect(mean <= high + tolerance,
               f"{what} returns a mean (center) of {said}, above every value of its training "
               "part: no statistic of the training part is that large, so the test period "
               "after the split leaks into the scaling. Fit the scaling on the training part "
               "only")
        expect(mean >= low - tolerance,
               f"{what} returns a mean (center) of {said}, below every value of its training "
               f"part (they lie from {low:.4g} to {high:.4g}): return the center it scales "
               "with, a statistic of the training part (its mean, or its min for min-max "
               "scaling)")
        said = lib.value_text(std, want_std, spread, float(np.std(values)))
        expect(np.isfinite(std) and std > 0,
               f"{what} returns a std (scale) of {said}: it should be the positive spread "
               "of the training part it divides by")
        expect(std <= spread * (1 + 1e-6) + tolerance,
               f"{what} returns a std (scale) of {said}, more than the whole range of its "
               f"training part (max - min = {spread:.4g}): the test period after the split "
               "leaks into the scaling. Fit the scaling on the training part only")
        # Every target, scaled back with the two numbers returned, must be a value of the
        # series (which ones is the other checks' concern): scaling with other statistics
        # than the ones returned shows here.
        for got, name in ((arrays[1], "y_train"), (arrays[3], "y_test")):
            raw = _scaled_back(got.ravel(), mean, std)
            near = (np.abs(raw[:, None] - values[None, :]).min(axis=1) if raw.size
                    else np.zeros(0))
            expect(bool(np.all(near < 0.05)),
                   f"the {name} of {what} are not its values scaled with the mean and std "
                   "it returns, (value - mean) / std: return the two numbers it scales with")


@check(2, "No training window or target of prepare may hold a value dated on or after the "
          "split date.",
       differently="Windows cut from the training part alone, or from the whole scaled series "
                   "and then kept only where the target is dated before the split, both pass; "
                   "any scaling does (the values are read back with the center and scale "
                   "prepare returns), and the order of the windows is free (shuffled "
                   "windows still pass here)",
       cheapest_wrong="Windows of the whole series split at random (train_test_split's "
                      "default) or a split a few days late put test days in training: every "
                      "training value is mapped back to its day and the first test day found "
                      "is named. Returning statistics that do not read the arrays back fails "
                      "with its own message rather than passing")
@_follows_from("split_by_date", "make_windows")
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
          "shaped (samples, step, 1).",
       differently="Read with the center and scale prepare returns, so any scaling (min-max, "
                   "robust, even a leaky one, which its own check charges) gives the same "
                   "windows; float32 or float64, arrays from make_windows, "
                   "sliding_window_view or a loop all pass",
       cheapest_wrong="Test windows cut from the test part alone (its first STEP days never "
                      "predicted), the (samples, 1, step) layout, a missing feature axis, or "
                      "shuffled windows: each has the right look on the notebook's toy series "
                      "and is told apart here by shape, count or order on the grader's series")
@_follows_from("split_by_date", "make_windows")
def test_prepare_windows_are_exact(art: Artefacts) -> None:
    for i in range(len(cases.PREPARE_CASES)):
        _, values, train, step, what, arrays, center, scale = _prepared(art, i)
        want = cases.prepare(values, train, step)
        raw = cases.prepare(values, train, step)
        raw = [part * raw[5] + raw[4] for part in raw[:4]]  # the windows of the values
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
        # Read back with the statistics returned: the scaling is its own check's concern
        usable = _usable(center, scale)
        for got, ref, name in zip(arrays, raw, names):
            back = _scaled_back(got, center, scale) if usable else got
            if np.allclose(back, ref, rtol=1e-6, atol=1e-3):
                continue
            if usable and np.allclose(np.sort(back.reshape(len(back), -1), axis=0),
                                      np.sort(ref.reshape(len(ref), -1), axis=0),
                                      rtol=1e-6, atol=1e-3):
                raise CheckFailed(f"the {name} of {what} holds the right windows in another "
                                  "order: keep them in the order of the days (no shuffling)")
            raise CheckFailed(
                f"the {name} of {what}, read back with the mean and std it returns, has the "
                "right shape but wrong values: window i should read the scaled values i to "
                "i + step - 1 of its part, and its target the one after them"
                + ("" if usable else " (its std is not a positive number, so the values were "
                   "read as they are)"))


# --- baselines and model --------------------------------------------------------------------

@check(1, "persistence_baseline should give the last value of each (step, 1) window.",
       differently="x[:, -1, 0], x[:, -1].ravel(), np.squeeze(x)[:, -1] or a loop: any "
                   "array of the last values with shape (samples,) passes; float32 is fine",
       cheapest_wrong="The first value of each window, x[:, 0, 0], or the window mean: the "
                      "grader's random windows differ in every position, so only the last "
                      "value passes, and the first value is named")
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
          "units and end in Dense(1).",
       differently="Sequential or functional models, LSTM, GRU (either reset_after), "
                   "SimpleRNN or Bidirectional, stacked recurrent layers with Dropout, extra "
                   "Dense layers before Dense(1): layers are unwrapped and counted by "
                   "formula from their own settings, for the step the grader asks (STEP "
                   "and 7)",
       cheapest_wrong="A model built for the notebook's STEP whatever step is asked "
                      "(keras.Input((STEP, 1))) fails build_model(7); a Dense network on "
                      "the flattened window, the (None, 1, step) layout or a units count "
                      "other than RNN_UNITS is named by the layer as declared")
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
          "and give one number per window.",
       differently="Sequential or functional, LSTM, GRU, SimpleRNN or a Bidirectional one, "
                   "stacked recurrent layers with return_sequences and Dropout between them "
                   "(the blog idiom of LSTM(50, return_sequences=True), Dropout(0.2), "
                   "LSTM(50), Dense(1)), Dense layers after them: each is counted by formula "
                   "from its own configuration",
       cheapest_wrong="A Dense network on the flattened window (no recurrence), the seed's "
                      "(None, 1, step) layout, return_sequences on the last recurrent layer or "
                      "a sigmoid output: each is named by the layer as declared; a missing "
                      "file costs only the checks that read it")
def test_saved_model_reads_return_windows(art: Artefacts) -> None:
    _check_stack(cases.saved_model(art), "the saved model", _step(art))


def _scaling(art: Artefacts) -> tuple[tuple[float, float], str]:
    """The (center, scale) the notebook's prepare returns for the S&P 500 training returns,
    and how a message says where they come from. The saved model is fed what that prepare
    would give it, so a model of min-max scaled returns is measured as it was trained; if that
    prepare fails or returns no statistic of the training returns, the training mean and std."""
    dates, returns = cases.sp500_returns()
    train = returns[dates < np.datetime64(cases.SPLIT_DATE)]
    said = "scaled with the mean and std your prepare returns for the training returns"
    try:
        parts = lib.value(art, "prepare_sp500")
        center, scale = float(np.asarray(parts[4])), float(np.asarray(parts[5]))
    except (StudentCodeError, TypeError, ValueError, IndexError, KeyError):
        return cases.training_stats(), (
            "scaled with the training returns' mean and std, since your prepare failed on "
            "the S&P 500 returns (fix prepare first)")
    if not (_usable(center, scale) and train.min() <= center <= train.max()
            and scale <= np.ptp(train)):
        return cases.training_stats(), (
            "scaled with the training returns' mean and std, since your prepare returns no "
            "statistics of the training returns (fix prepare first)")
    if np.isclose(center, train.min()) and np.isclose(scale, np.ptp(train)):
        said = ("min-max scaled, with the min and range your prepare returns for the "
                "training returns")
    elif not (np.isclose(center, train.mean()) and np.isclose(scale, train.std(), rtol=1e-3)):
        said = ("scaled with the center and scale your prepare returns for the training "
                "returns")
    return (center, scale), said


def _measures(art: Artefacts) -> dict[str, dict[str, float]]:
    step, (scaling, _) = _step(art), _scaling(art)
    return {period: cases.saved_model_measure(art, period, step, scaling)
            for period in cases.PERIODS}


@check(3, "On returns it never saw, the saved model should be about as good as the mean "
          "baseline, far better than persistence, and respond to its input.",
       differently="The windows are scaled with the center and scale the notebook's own "
                   "prepare returns on the S&P 500 training returns, and the predictions "
                   "scaled back, so a model trained on standardised, min-max or robust-scaled "
                   "returns is measured in the units of the returns alike (the min-max model "
                   "of mistake-minmax-model-fits-noise fails only by its MSE, and is told "
                   "so); any recurrent architecture and training that lands near the mean "
                   "passes (correct-stacked-lstm-dropout, correct-functional-simplernn)",
       cheapest_wrong="A model that predicts the training mean for every window is exactly "
                      "the mean baseline: the spread of its predictions must be at least "
                      "min_prediction_std. The price model, or one trained on targets off by "
                      "one, follows the last return and is far worse than the mean on the "
                      "held-back S&P 500 and NASDAQ; a model trained on those years is "
                      "charged by no_gap_between_test_and_unseen")
@_follows_from("make_windows")
def test_saved_model_on_unseen_returns(art: Artefacts) -> None:
    limit = THRESHOLDS["max_mse_over_mean"]
    scaling, said = _scaling(art)
    for period in ("S&P 500", "NASDAQ"):
        got = cases.saved_model_measure(art, period, _step(art), scaling)
        where = cases.PERIODS[period]
        expect(got["finite"], f"on {where} the saved model gives NaN or infinite predictions")
        ratio = lib.measure(f"mse_over_mean {period}", got["ratio"])
        persistence = lib.measure(f"persistence_over_mean {period}",
                                  got["persistence"] / got["mean"])
        echo = (" Its predictions follow the last return of each window (correlation "
                f"{got['follows_last']:.2f}): it predicts tomorrow = today, which is what a "
                "model trained on prices learns, or one whose targets are the last day of "
                "their own window. Hand in the model trained on the scaled log returns"
                if got["follows_last"] > cases.FOLLOWS_LAST else "")
        expect(ratio <= limit,
               f"on {where} (windows of log returns {said}) its "
               f"MSE is {ratio:.3f} times the mean baseline's; it should be at most "
               f"{limit:.2f} times. Persistence gives {persistence:.2f} times.{echo}")
        expect(got["spread"] >= THRESHOLDS["min_prediction_std"],
               f"on {where} the saved model gives the same prediction for every window (std "
               f"{got['spread']:.2g} of the returns' std): a constant is the mean baseline, "
               "not a model of the returns. Hand in the recurrent model trained on the "
               "returns")


@check(2, "The saved model should have been trained on the training period only: it must not "
          "know your test period or the later prices better than new days.",
       differently="Honest models of any size, scaling (measured as the notebook's prepare "
                   "scales) and number of epochs stay above min_mse_over_mean on all three "
                   "periods and within max_gap between the test period and 2015-2018 "
                   "(calibration seeds 0-4, LSTM, GRU, SimpleRNN); a model no better than the "
                   "mean anywhere is left to saved_model_on_unseen_returns",
       cheapest_wrong="Training on every day the arch package has (1999-2018) gives MSE "
                      "below any honest model's on the test period and the held-back years "
                      "(the sample mistake-trained-on-everything); training on the test "
                      "period only shows as a gap between it and 2015-2018. A model that "
                      "memorised only the held-back NASDAQ would show on that period too, "
                      "since every period has the lower bound")
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
