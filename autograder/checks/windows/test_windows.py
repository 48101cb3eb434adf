"""Hidden checks of assignment 2: windows over a series, the RNN layout, next characters."""

from __future__ import annotations

import math

import numpy as np

from autograder.boundary import Artefacts, StudentCodeError
from autograder.checks import lib
from autograder.checks.lib import CheckFailed, check, expect
from autograder.checks.windows import cases
from autograder.checks.windows.cases import measure_char_accuracy, measure_sine_mse
from course_config import ASSIGNMENTS

THRESHOLDS = ASSIGNMENTS["windows"].thresholds

# (probe, series, step, how a message names the case)
_WINDOW_CASES = (
    *[(f"windows_{step}", cases.WINDOW_SERIES, step, f"a 23-value array with step={step}")
      for step in cases.WINDOW_STEPS],
    ("windows_edge", np.array(cases.EDGE_SERIES), cases.EDGE_STEP,
     f"a {len(cases.EDGE_SERIES)}-value array with step={cases.EDGE_STEP} (one window)"),
    ("windows_list", cases.LIST_SERIES, cases.LIST_STEP,
     f"a Python list with step={cases.LIST_STEP}"),
    ("windows_int", cases.INT_SERIES, cases.INT_STEP,
     f"a list of integers with step={cases.INT_STEP}"),
    ("windows_float32", np.array(cases.FLOAT32_SERIES, dtype=np.float32), cases.FLOAT32_STEP,
     f"a float32 array with step={cases.FLOAT32_STEP}"),
)


# --- helpers ----------------------------------------------------------------------------------



_NO_EFFECT = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout")


def _step(art: Artefacts) -> int:
    step = lib.value(art, "step")
    low, high = cases.SINE_STEP_RANGE
    expect(isinstance(step, int) and not isinstance(step, bool) and low <= step <= high,
           f"STEP should be an int between {low} and {high}; it is "
           f"{lib.describe(step, near=(low, high))}")
    return step


def _input_shape(net, what: str) -> tuple:
    try:
        return tuple(net.inputs[0].shape)
    except Exception:
        message = f"{what} has no input shape: start it with keras.Input(...)"
        raise CheckFailed(message) from None


def _check_stack(net, what: str, steps: int, features: int) -> None:
    """Input (None, steps, features), and a parameter count equal to the formula's."""
    shape = _input_shape(net, what)
    if shape[:2] == (None, None):  # keras.Input((None, features)): any number of steps
        shape = (None, steps, *shape[2:])
    if shape == (None, 1, steps) and features == 1 and steps > 1:
        raise CheckFailed(
            f"{what} reads inputs of shape {shape}: one timestep of {steps} features, so the "
            f"recurrent layer runs once and never carries a state. It should read "
            f"(None, {steps}, 1): {steps} timesteps of one value")
    expect(shape == (None, steps, features),
           f"{what} should read inputs of shape (None, {steps}, {features}); it reads {shape}")
    lib.expect_params(net, lib.layers(net), features, what,
                      f" and {features} input feature{'s' * (features != 1)} per step")


def _make_windows_fault(art: Artefacts) -> str | None:
    """What is wrong with the student's make_windows on the grader's series, in a few words
    (None if it gives every reference window). Later checks add it to their messages: a
    function that reuses make_windows, or a model trained on its windows, inherits its
    mistake, and the student should fix make_windows first."""
    for name, series, step, what in _WINDOW_CASES:
        want_x, want_y = cases.windows(series, step)
        try:
            inputs, targets = (lib.numbers(part, "") for part in
                               lib.parts(art, name, 2, "make_windows"))
        except StudentCodeError as exc:
            return f"for {what}, {exc}"
        except CheckFailed:
            return f"for {what} it does not return (inputs, targets) arrays of numbers"
        if inputs.shape != want_x.shape or targets.shape != want_y.shape:
            if len(inputs) == len(want_x) + 1:
                return f"for {what} it gives one window too many"
            if len(inputs) == len(want_x) - 1:
                return f"for {what} it gives one window too few"
            return (f"for {what} it gives inputs of {lib.shape_text(inputs.shape, want_x.shape)}"
                    f" and targets of {lib.shape_text(targets.shape, want_y.shape)}, not "
                    f"{want_x.shape} and {want_y.shape}")
        if not np.allclose(inputs, want_x, rtol=1e-6, atol=1e-6):
            return f"for {what} its windows are not series[i:i + step]"
        if not np.allclose(targets, want_y, rtol=1e-6, atol=1e-6):
            if np.allclose(targets, want_x[:, -1], rtol=1e-6, atol=1e-6):
                return f"for {what} each target is the last value of its own window"
            return f"for {what} its targets are not series[i + step]"
    return None


# --- make_windows ---------------------------------------------------------------------------

@check(3, "make_windows should pair each run of `step` values with the value that comes next.",
       differently="Loops, fancy indexing, sliding_window_view(series[:-1], step), "
                   "as_strided, keras.utils.timeseries_dataset_from_array(series, "
                   "series[step:]) collected from its batches, and tf.data's "
                   "window/flat_map all give the reference windows; values are "
                   "compared with allclose (float32 or float64), on arrays, lists, "
                   "integers and edge cases",
       cheapest_wrong="One window too many (sliding_window_view of the whole "
                      "series), one too few (a loop to n - step - 1), the last step "
                      "- 1 missing (timeseries_dataset_from_array of "
                      "series[:-step]) and targets that are each window's own last "
                      "value are all caught and named; a function that only handles "
                      "step 4 fails steps 1, 2 and 7")
def test_windows_match_reference(art: Artefacts) -> None:
    for name, series, step, what in _WINDOW_CASES:
        inputs, targets = lib.parts(art, name, 2, "make_windows")
        want_x, want_y = cases.windows(series, step)
        inputs = lib.numbers(inputs, f"the inputs for {what}")
        targets = lib.numbers(targets, f"the targets for {what}")
        # Reached only when the step-1 windows were right: windows missing at the end in
        # proportion to the step are windows of series[:-step], not a loop one short.
        missing = len(want_x) - len(inputs)
        expect(not (step > 1 and missing == step - 1 and inputs.shape[1:] == (step,)),
               f"the inputs for {what} should have shape {want_x.shape}; the last "
               + ("window is" if step == 2 else f"{step - 1} windows are")
               + " missing: windows of series[:-step] end step values early "
               "(keras.utils.timeseries_dataset_from_array(series[:-step], series[step:], "
               "...) gives that). Cut windows of the whole series but its last value")
        expect(inputs.shape != (len(want_x) + 1, step),
               f"the inputs for {what} should have shape {want_x.shape}; they have one window too "
               f"many, {inputs.shape}: the last window would end at the last value, which leaves "
               "it no target (sliding_window_view(series, step) gives that extra window)")
        expect(inputs.shape != (len(want_x) - 1, step),
               f"the inputs for {what} should have shape {want_x.shape}; they have one window too "
               f"few, {inputs.shape}: the last window, series[n - step - 1:n - 1], and its target "
               "(the last value) are missing")
        lib.expect_shape(inputs, want_x.shape, f"the inputs for {what}")
        lib.expect_shape(targets, want_y.shape, f"the targets for {what}")
        expect(np.allclose(inputs, want_x, rtol=1e-6, atol=1e-6),
               f"the inputs for {what} have the right shape but wrong values: row i should be "
               "series[i:i + step]")
        if not np.allclose(targets, want_y, rtol=1e-6, atol=1e-6):
            expect(not np.allclose(targets, want_x[:, -1], rtol=1e-6, atol=1e-6),
                   f"for {what}, each target is the last value of its own window; it should be "
                   "the value right after the window, series[i + step]")
            raise CheckFailed(f"the targets for {what} have the right shape but wrong values: "
                              "target i should be series[i + step]")


@check(1, "make_windows should return two numpy arrays of floats, even for a list of integers.",
       differently="float32 and float64 both pass (any float kind), from np.array, "
                   "np.asarray, np.stack, a Keras dataset's tensors turned to "
                   "numpy; only the type and the dtype kind are tested, so the "
                   "windows' values are left to the reference check",
       cheapest_wrong="Python lists of the right windows (named: 'came back as a "
                      "list'), and integer windows of an integer series (np.array "
                      "without dtype=float, the dtype named); a tuple of tensors "
                      "returned from tf.data is not a numpy array and is named too")
def test_windows_are_float_arrays(art: Artefacts) -> None:
    for name, _, _, what in _WINDOW_CASES:
        for part, role in zip(lib.parts(art, name, 2, "make_windows"), ("inputs", "targets")):
            expect(isinstance(part, np.ndarray),
                   f"for {what} the {role} came back as a {type(part).__name__}; return a numpy "
                   "array (np.array(...) or np.asarray(...))")
            expect(part.dtype.kind == "f",
                   f"for {what} the {role} have dtype {lib.dtype_text(part.dtype)}; they should "
                   "be floats "
                   "(float32 or float64), since a model reads and predicts real numbers")


@check(1, "make_windows should raise ValueError for a step below 1 or not an int, and for a "
          "series with no room for a window.",
       differently="Any ValueError, raised before or while windowing, with any "
                   "message, passes; numpy integer steps are accepted as valid by "
                   "the reference. A custom exception subclassing ValueError is "
                   "refused (only the class name crosses the sandbox), which the "
                   "message names; the notebook asks for ValueError itself",
       cheapest_wrong="Raising for everything: the check also calls it on a valid "
                      "series and needs windows back ('should also answer valid "
                      "input'). Letting numpy raise IndexError or returning empty "
                      "arrays for a short series is caught by the short-series "
                      "cases; step=2.5 accepted by a range() that floors is caught "
                      "by the float step")
def test_windows_reject_bad_arguments(art: Artefacts) -> None:
    for i, step in enumerate(cases.BAD_STEPS):
        lib.expect_raises(art, f"windows_bad_step_{i}", "ValueError",
                          f"the call make_windows(series, {step!r})")
    for i, (series, step) in enumerate(cases.SHORT_CASES):
        lib.expect_raises(art, f"windows_short_{i}", "ValueError",
                          f"the call make_windows(series, {step}) on a {len(series)}-value "
                          "series")
    name, series, step, what = _WINDOW_CASES[2]
    lib.works_on_valid_input(art, name, what)
    inputs, targets = (lib.numbers(part, f"the {role} for {what}") for part, role in
                       zip(lib.parts(art, name, 2, "make_windows"), ("inputs", "targets")))
    want_x, want_y = cases.windows(series, step)
    expect(inputs.ndim == 2 and inputs.shape[1] == step and targets.ndim == 1,
           f"only bad arguments should raise: for {what} make_windows should return (inputs, "
           f"targets), windows of {step} values and one target each; it returned inputs of "
           f"{lib.shape_text(inputs.shape, want_x.shape)} and targets of "
           f"{lib.shape_text(targets.shape, want_y.shape)}")


@check(1, "make_windows, split_windows and to_rnn_layout should leave the arrays they are "
          "given unchanged.",
       differently="Copies by np.array(series, dtype=...), series.copy(), list "
                   "comprehensions or np.asarray followed by out-of-place "
                   "operations pass: only the notebook's own series and x_train "
                   "before and after the grader's calls, and series against "
                   "make_series, are compared",
       cheapest_wrong="np.asarray(series) then an in-place sort, /=, or x.shape = "
                      "... reshapes the caller's array: the snapshots differ "
                      "(named). A change made once earlier in the run, which a "
                      "second call would not repeat, is caught against "
                      "make_series(len(series), SEED)")
def test_windows_leave_input_unchanged(art: Artefacts) -> None:
    # The notebook's own `series` and `x_train` were exported before and after the grader's
    # calls make_windows(series, 5), split_windows(series, 5) and to_rnn_layout(x_train): an
    # in-place change shows as a difference. A change made earlier in the notebook's run, which
    # a second call may not repeat (an in-place sort, `x.shape = ...` on an array already
    # reshaped), shows against what the given cells made: make_series(len(series), SEED),
    # recomputed here, and the 2-D windows of split_windows.
    lib.value(art, "series_windows")  # the grader's calls must have run
    lib.value(art, "x_train_layout")
    before = lib.numbers(lib.value(art, "series_before"), "the notebook's `series`")
    after = lib.numbers(lib.value(art, "series_after"), "the notebook's `series`")
    expect(before.shape == after.shape and np.array_equal(before, after),
           f"calling make_windows(series, {cases.MUTATION_STEP}) and "
           f"split_windows(series, {cases.MUTATION_STEP}) changed `series` in place. Work on a "
           "copy: np.asarray(series) returns the very same array, np.array(series, dtype=float) "
           "a new one")
    seed = lib.value(art, "seed")
    expect(isinstance(seed, int) and before.ndim == 1,
           "the notebook should keep SEED (an int) and `series` (1-D) from the given cells")
    reference = cases.noisy_sine(len(before), seed)
    expect(np.allclose(before, reference, rtol=0, atol=1e-12),
           "`series` no longer holds the values make_series(len(series), SEED) gave it: "
           "something changed it in place during the notebook's run (np.asarray does not copy "
           "an array), or the given cell that makes it was edited")
    before = lib.numbers(lib.value(art, "x_train_before"), "the notebook's `x_train`")
    after = lib.numbers(lib.value(art, "x_train_after"), "the notebook's `x_train`")
    reshaped = ("to_rnn_layout changed the shape of the array it was given (`x.shape = ...` and "
                "`x.resize(...)` work in place); x.reshape(...) returns a new array and leaves "
                "x as it was")
    expect(before.shape == after.shape, f"calling to_rnn_layout(x_train) turned x_train from "
                                        f"{lib.describe(before)} into {lib.describe(after)}: "
                                        f"{reshaped}")
    expect(np.array_equal(before, after),
           "calling to_rnn_layout(x_train) changed the values of x_train in place")
    expect(before.ndim == 2, f"the notebook's x_train (the training windows of split_windows) "
                             f"is now {lib.describe(before)}, not (samples, step): {reshaped}")


# --- split_windows --------------------------------------------------------------------------

def _indices(values: np.ndarray, where: dict, what: str) -> np.ndarray:
    try:
        return np.array([where[float(v)] for v in values.ravel()], dtype=np.int64)
    except KeyError:
        raise CheckFailed(f"{what} include values that are not in the series") from None


@check(2, "split_windows should keep every test value out of the training windows (inputs and "
          "targets), and give every test value a test window.",
       differently="Any split that gives the reference windows, or what the "
                   "student's own make_windows gives for the two right slices (so a "
                   "make_windows mistake it passes on costs only make_windows' "
                   "check, up to step windows off), passes: slicing the series "
                   "first, masks of target indices, or filtering windows by where "
                   "their target falls",
       cheapest_wrong="Windows of the whole series cut at window 800 leak "
                      "series[800:804] into training targets; shuffling before the "
                      "cut (train_test_split's default) puts test values in "
                      "training; test windows that start at the split leave the "
                      "first step test values unpredicted: each is caught by values "
                      "that name their index")
def test_split_keeps_test_out_of_training(art: Artefacts) -> None:
    # split_windows is judged on its own: its answer is right if it is the reference split, or
    # if it is what the student's make_windows gives for the two right slices of the series,
    # and that is a windowing of them (off by one, say): that mistake costs make_windows' check.
    for i, (length, seed, step, train_size) in enumerate(cases.SPLIT_CASES):
        train = cases.TRAIN_SIZE if train_size is None else train_size
        call = (f"split_windows(series, {step})" if train_size is None
                else f"split_windows(series, {step}, train_size={train_size})")
        what = f"{call} of a {length}-value series"
        series = cases.split_series(length, seed)
        want = cases.split(series, step, train)
        own = _own_windows(art, i, cases.split_parts(series, step, train), step)
        fault = None if own is not None and _same(own, want) else _make_windows_fault(art)
        blame = "" if fault is None else (
            f" make_windows fails its own check too ({fault}), and split_windows cuts its "
            "windows with it: fix make_windows first")
        try:
            got = _split_answer(art, i, what)
            if _same(got, want) or (own is not None and _same(got, own)):
                continue
            _split_rule(got, want, series, step, train, what)
        except StudentCodeError as exc:
            raise type(exc)(f"{exc}.{blame}" if blame else str(exc)) from None
        except CheckFailed as exc:
            raise CheckFailed(f"{exc}.{blame}" if blame else str(exc)) from None


def _same(got, want) -> bool:
    return all(np.shape(g) == np.shape(w) and np.array_equal(g, w) for g, w in zip(got, want))


def _own_windows(art: Artefacts, i: int, pieces: tuple, step: int) -> tuple | None:
    """The student's make_windows of the two slices split case `i` should window, as
    (x_train, y_train, x_test, y_test), if each is a windowing of its slice (consecutive runs
    of it, targets taken from it, about one per window): else None. Code that ignores its
    input gives no windowing, so a split_windows that merely repeats it earns nothing."""
    out = []
    for part, piece in zip(("train", "test"), pieces):
        try:
            x, y = (lib.numbers(p, "") for p in
                    lib.parts(art, f"split_{i}_{part}_windows", 2, "make_windows"))
        except (StudentCodeError, CheckFailed):
            return None
        if x.ndim != 2 or y.ndim != 1 or not 1 <= x.shape[1] <= len(piece) or \
                abs(len(x) - (len(piece) - step)) > step or abs(len(y) - len(x)) > 1:
            return None
        runs = piece[np.arange(len(x))[:, np.newaxis] + np.arange(x.shape[1])] \
            if len(x) + x.shape[1] - 1 <= len(piece) else None
        if runs is None or not np.array_equal(x, runs) or not np.isin(y, piece).all():
            return None
        out += [x, y]
    return tuple(out)


def _split_answer(art: Artefacts, i: int, what: str) -> list[np.ndarray]:
    parts = lib.parts(art, f"split_{i}", 4, "split_windows")
    names = ("x_train", "y_train", "x_test", "y_test")
    return [lib.numbers(part, f"the {name} of {what}") for part, name in zip(parts, names)]


def _split_rule(got: list, want: tuple, series: np.ndarray, step: int, train: int,
                what: str) -> None:
    """Fail with what is wrong with split_windows' answer `got` (the first rule it breaks)."""
    where = {float(v): j for j, v in enumerate(series)}
    x_train, y_train, x_test, y_test = got
    for values, role in ((y_train, "training target"), (x_train, "training input")):
        if values.size == 0:
            continue
        last = int(_indices(values, where, f"the {role}s of {what}").max())
        # which test value is said only near the split: the index could carry a hidden input
        said = f"series[{last}]" if last - train <= lib.SMALL or last == len(series) - 1 \
            else f"a value after series[{train + lib.SMALL}]"
        expect(last < train,
               f"for {what}, a {role} is {said}, a test value (the test part starts "
               f"at index {train}). Training windows must come from series[:{train}] only: "
               "split the series first, then cut windows")
    expect(not (len(y_test) == len(want[3]) - step and y_test.size
                and np.array_equal(y_test, want[3][step:])),
           f"for {what}, the first {step} test values are never a target: the test windows "
           f"start at the split, series[{train}:], so the first one predicts "
           f"series[{train + step}]. Start them {step} values earlier, "
           f"series[{train - step}:], so that every test value has the window of the values "
           "before it")
    names = ("x_train", "y_train", "x_test", "y_test")
    for array, reference, name in zip(got, want, names):
        lib.expect_shape(array, reference.shape, f"the {name} of {what}")
    expect(np.array_equal(y_test, want[3]),
           f"for {what}, y_test should be every test value, series[{train}:], in order")
    expect(np.array_equal(x_test, want[2]),
           f"for {what}, the test windows should end right before their targets: the first "
           f"one reads series[{train - step}:{train}], the last {step} training values")
    expect(np.array_equal(x_train, want[0]) and np.array_equal(y_train, want[1]),
           f"for {what}, the training windows should be every window of series[:{train}]")


# --- baselines and the RNN layout -----------------------------------------------------------

@check(1, "last_value_baseline and window_mean_baseline should give one prediction per window.",
       differently="x[:, -1], np.take(x, -1, axis=1), x.mean(axis=1), np.mean(x, "
                   "axis=-1), list comprehensions turned to arrays: any array of "
                   "shape (samples,) with the right values to 1e-5 passes, from "
                   "lists or arrays",
       cheapest_wrong="The mean over axis 0 (one value per position) is named; "
                      "keepdims=True gives (samples, 1), said by its shape; a "
                      "Python list is refused by the numpy-array rule, and the last "
                      "value of the series instead of each window has the wrong "
                      "shape")
def test_baselines_match_reference(art: Artefacts) -> None:
    x = cases.BASELINE_WINDOWS
    for name, function, want, rule in (
        ("last_value", "last_value_baseline", x[:, -1], "the last value of each window, x[:, -1]"),
        ("window_mean", "window_mean_baseline", x.mean(axis=1),
         "the mean of each window, x.mean(axis=1)"),
    ):
        got = lib.array(art, name, f"the function {function}")
        what = f"the output of {function} for {x.shape[0]} windows of {x.shape[1]} values"
        expect(tuple(got.shape) != (x.shape[1],),
               f"{what} has shape {tuple(got.shape)}, one value per position in a window: it "
               f"works along axis 0, across windows; it should give one prediction per window, "
               f"shape {want.shape} (axis=1, or x[:, -1])")
        lib.expect_shape(got, want.shape, what)
        expect(np.allclose(got, want, rtol=1e-5, atol=1e-6),
               f"{what} has the right shape but wrong values: it should be {rule}")


@check(1, "to_rnn_layout should turn (samples, step) windows into (samples, step, 1).",
       differently="reshape(n, step, 1), reshape(-1, step, 1), x[..., None], "
                   "np.expand_dims(x, -1), np.atleast_3d and keras.ops turned to "
                   "numpy all pass; float32 or float64, compared with allclose",
       cheapest_wrong="The seed's (samples, 1, step) layout has the right size and "
                      "is named (one timestep of step features); a transpose to "
                      "(step, samples, 1) has the wrong shape; a list or a tensor "
                      "returned is refused by the numpy-array rule")
def test_rnn_layout_is_steps_by_one(art: Artefacts) -> None:
    for i, x in enumerate(cases.LAYOUT_WINDOWS):
        got = lib.array(art, f"layout_{i}", "the function to_rnn_layout")
        samples, step = x.shape
        what = f"the output of to_rnn_layout for {samples} windows of {step} values"
        expect(not (step > 1 and tuple(got.shape) == (samples, 1, step)),
               f"{what} has shape {tuple(got.shape)}: one timestep of {step} features, so the "
               f"RNN never steps through time. It should be ({samples}, {step}, 1): {step} "
               "timesteps of one value each")
        lib.expect_shape(got, (samples, step, 1), what)
        expect(np.allclose(got[..., 0], x, rtol=1e-6, atol=1e-6),
               f"{what} has the right shape but the values moved: out[i, j, 0] should be x[i, j]")


# --- the sine model -------------------------------------------------------------------------

@check(2, "build_sine_model(step) should read (step, 1) windows with a recurrent layer of "
          "RNN_UNITS units, then Dense layers ending in one linear output.",
       differently="Sequential or functional, SimpleRNN, LSTM or GRU, any "
                   "activation, stacked recurrent layers (the first of RNN_UNITS "
                   "units), Dropout anywhere, any Dense sizes, and "
                   "keras.Input((None, 1)) for windows of any length: the count is "
                   "checked by formula for the layers as declared. Subclassed "
                   "models cannot be loaded in safe mode",
       cheapest_wrong="A model hard-coded for step 4 is caught by the second build, "
                      "build_sine_model(7); the seed's (1, step) input is named; "
                      "return_sequences=True on the last recurrent layer gives "
                      "(None, step, 1) and is named; a size copied from a tutorial "
                      "instead of RNN_UNITS is named")
def test_sine_model_architecture(art: Artefacts) -> None:
    step = _step(art)
    units = lib.value(art, "rnn_units")
    expect(isinstance(units, int) and not isinstance(units, bool) and units > 0,
           f"RNN_UNITS should be a positive int; it is {lib.describe(units)}")
    for name, steps in (("sine_built", step), ("sine_built_7", 7)):
        what = f"the model of build_sine_model({steps})"
        net = lib.model(art, name, what)
        # Dropout and noise layers change no count and no shape; stacked recurrent layers
        # (the first of RNN_UNITS units) are a recurrent part all the same.
        stack = [layer for layer in lib.layers(net) if lib.layer_kind(layer) not in _NO_EFFECT]
        kinds = [lib.layer_kind(layer) for layer in stack]
        declared = [lib.declared(layer) for layer in stack]
        expect(len(kinds) >= 2 and kinds[0] in lib.RECURRENT_LAYERS,
               f"{what} should start with a recurrent layer (SimpleRNN) after keras.Input; its "
               f"layers are {declared}")
        dense = kinds.index("Dense") if "Dense" in kinds else len(kinds)
        expect(all(kind in lib.RECURRENT_LAYERS for kind in kinds[:dense])
               and all(kind == "Dense" for kind in kinds[dense:]) and dense < len(kinds),
               f"after the recurrent layer {what} should have only Dense layers; its layers "
               f"are {declared}")
        expect(lib.inner(stack[0]).units == units,
               f"the recurrent layer of {what} has {lib.inner(stack[0]).units} units, "
               f"not RNN_UNITS = {lib.describe(units, near=(lib.inner(stack[0]).units,))}")
        output = lib.output_shape(net)
        expect(output == (None, 1),
               f"{what} should output (None, 1), one number per window; it outputs {output}"
               + (": the recurrent layer should return only its last state, without "
                  "return_sequences=True" if len(output) == 3 else ""))
        expect(lib.inner(stack[-1]).units == 1 and lib.final_activation(net) == "linear",
               f"the last layer of {what} should be Dense(1) with no activation (a real number); "
               f"it has {lib.inner(stack[-1]).units} unit(s) and activation "
               f"{lib.final_activation(net)!r}")
        _check_stack(net, what, steps, 1)


@check(3, "sine_model should predict a noisy sine it never saw clearly better than the last "
          "value does, about as well as the window mean.",
       differently="Any model and training that predicts well passes: the grader "
                   "measures test MSE on its own noisy sine (hidden seed, split at "
                   "800) in the (step, 1) layout for the notebook's STEP, against "
                   "the window mean + 0.05; calibration seeds 0-4 stay below the "
                   "window mean",
       cheapest_wrong="A model that copies the last value (trained on targets equal "
                      "to it) has the last-value MSE, far above the bound, and is "
                      "told to fix make_windows first; an untrained or barely "
                      "trained model (learning rate 1e-5) stays above it; a model "
                      "trained on test windows cannot help on the grader's own "
                      "series")
def test_sine_model_beats_baselines(art: Artefacts) -> None:
    step = _step(art)
    fault = _make_windows_fault(art)
    blame = "" if fault is None else (
        f" sine_model learnt from the windows of make_windows, which fails its own check "
        f"({fault}): fix make_windows first, then train again.")
    try:
        net = lib.model(art, "sine_model", "the trained sine_model")
    except StudentCodeError as exc:  # the training cell failed: on make_windows' output?
        raise type(exc)(f"{exc}.{blame}" if blame else str(exc)) from None
    expect(lib.recurrent_layers(net), "the trained sine_model has no recurrent layer: train the "
                                      "model build_sine_model(STEP) gives")
    mse = lib.measure("test_mse", measure_sine_mse(net, step))
    baselines = cases.baseline_mses(step)
    limit = baselines["window mean"] + THRESHOLDS["sine_mse_over_window_mean"]
    expect(mse <= limit,
           f"on the grader's own noisy sine (1000 values, split at 800, {step}-value windows) "
           f"its test MSE is {mse:.3f}; it should be at most the window mean's "
           f"{baselines['window mean']:.3f} + {THRESHOLDS['sine_mse_over_window_mean']:.2f} = "
           f"{limit:.3f}. There, predicting the last value gives "
           f"{baselines['last value']:.3f}, and the noise alone {cases.NOISE_FLOOR:.3f}." + blame)


# --- next-character windows -----------------------------------------------------------------

def _same_up_to_relabelling(got: np.ndarray, want: np.ndarray) -> bool:
    pairs = set(zip(got.ravel().tolist(), want.ravel().tolist()))
    return len({g for g, _ in pairs}) == len(pairs) == len({w for _, w in pairs})


@check(2, "char_windows should give windows of `size` character indices (sorted vocabulary) "
          "and the index of the next character.",
       differently="A dict from sorted(set(text)), list.index on the sorted "
                   "vocabulary, karpathy's stoi table, fancy indexing or "
                   "sliding_window_view(codes[:-1], size): exact integer arrays of "
                   "any integer dtype are compared, on non-ASCII text and repeated "
                   "characters too",
       cheapest_wrong="set(text) order (run-dependent) is recognised as a "
                      "relabelling and named; first-seen order is a relabelling "
                      "too; float indices are refused by the dtype rule; windows "
                      "off by one have the wrong shape")
def test_char_windows_match_reference(art: Artefacts) -> None:
    for i, (text, size) in enumerate(cases.CHAR_CASES):
        what = f"the output of char_windows for a {len(text)}-character text with size={size}"
        x, y = lib.parts(art, f"char_windows_{i}", 2, "char_windows")
        want_x, want_y = cases.char_windows(text, size)
        for part, role in ((x, "x"), (y, "y")):
            expect(isinstance(part, np.ndarray),
                   f"in {what}, {role} came back as a {type(part).__name__}, not a numpy array")
            expect(part.dtype.kind in "iu",
                   f"in {what}, {role} has dtype {lib.dtype_text(part.dtype)}; indices should "
                   "be integers")
        lib.expect_shape(x, want_x.shape, f"the x of {what}")
        lib.expect_shape(y, want_y.shape, f"the y of {what}")
        if not (np.array_equal(x, want_x) and np.array_equal(y, want_y)):
            both = (np.concatenate([x.ravel(), y]), np.concatenate([want_x.ravel(), want_y]))
            expect(not _same_up_to_relabelling(*both),
                   f"in {what}, the windows are right but the indices are not positions in the "
                   "sorted vocabulary; build it with sorted(set(text)), whose order never changes")
            raise CheckFailed(f"in {what}, row i of x should be the indices of text[i:i + size], "
                              "and y[i] the index of text[i + size]")


@check(1, "build_char_model(vocab_size, size) should read (size, vocab_size) one-hot windows "
          "and give a softmax over the vocabulary.",
       differently="Sequential or functional, any recurrent layer and size, "
                   "keras.Input((size, vocab)) or (None, vocab), a softmax as the "
                   "Dense activation or an Activation layer after it; the count is "
                   "checked by formula for the layers as declared",
       cheapest_wrong="A model ignoring vocab_size or size is caught by the "
                      "grader's (11, 5) build; return_sequences=True gives a 3-D "
                      "output and is named; a Dense stack without recurrence has no "
                      "recurrent layer; a sigmoid or linear output is named")
def test_char_model_architecture(art: Artefacts) -> None:
    vocab, size = cases.CHAR_MODEL_VOCAB, cases.CHAR_MODEL_SIZE
    what = f"the model of build_char_model({vocab}, {size})"
    net = lib.model(art, "char_built", what)
    expect(lib.recurrent_layers(net), f"{what} has no recurrent layer (SimpleRNN, LSTM or GRU)")
    shape = tuple(net.outputs[0].shape)
    expect(len(shape) == 2,
           f"{what} should output (None, {vocab}): one prediction, the character after the "
           f"window; it outputs {shape} (return_sequences=True gives one per step)")
    expect(shape[-1] == vocab, f"{what} should output {vocab} probabilities; it outputs {shape}")
    expect(lib.final_activation(net) == "softmax", f"the last layer of {what} should use a softmax")
    _check_stack(net, what, size, vocab)


@check(2, "char_model should predict each next character of the sentence from the 3 before it.",
       differently="Any model and training that predicts the sentence's next "
                   "characters from one-hot windows in sorted-vocabulary order "
                   "passes; the grader makes its own inputs from the sentence, so "
                   "the notebook's arrays are never trusted",
       cheapest_wrong="An undertrained model falls below the bound; a model trained "
                      "on unsorted-vocabulary indices reads the grader's sorted "
                      "ones as other characters and fails (its char_windows check "
                      "names the order); a model memorising other text cannot pass")
def test_char_model_fits_sentence(art: Artefacts) -> None:
    net = lib.model(art, "char_model", "the trained char_model")
    accuracy = lib.measure("char_accuracy", measure_char_accuracy(net))
    windows = len(cases.SENTENCE) - cases.CHAR_SIZE
    needed = THRESHOLDS["char_accuracy"]
    expect(accuracy >= needed,
           f"it gets {round(accuracy * windows)} of the sentence's {windows} next characters "
           f"right; at least {math.ceil(needed * windows - 1e-9)} are needed")
