"""Assignment 2, windows: the notebook, its hidden checks and its samples agree.

The fast tests read files only: every hidden check has one autograded cell worth the same
points, the grader's reference data matches the notebook's given code, and the sentence can be
learnt exactly. The sample grades themselves are tested with every assignment's in test_sample_grades.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import nbformat
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import course_config
from autograder.checks import check_points
from autograder.checks.windows import cases
from autograder.checks.windows import test_windows as checks

ROOT = Path(course_config.ROOT)
ASSIGNMENT = "windows"
SETTINGS = course_config.ASSIGNMENTS[ASSIGNMENT]
SOURCE = ROOT / "source" / ASSIGNMENT / SETTINGS.notebook
CHECKS = ROOT / "autograder" / "checks" / ASSIGNMENT / f"test_{ASSIGNMENT}.py"


def declared_checks() -> dict[str, float]:
    return check_points(ASSIGNMENT)


def _cell(grade_id: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(str(SOURCE), as_version=4)
    return next(cell for cell in notebook.cells
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


# --- fast: files only -------------------------------------------------------------------------

def test_the_checks_are_worth_20_points() -> None:
    assert sum(declared_checks().values()) == 20


def test_grader_series_is_the_notebooks_make_series() -> None:
    namespace: dict = {"np": np, "SEED": 42}
    exec(_cell("make_series").source.replace('print(', 'str('), namespace)
    assert np.array_equal(namespace["series"], cases.noisy_sine(1000, 42))
    assert np.array_equal(namespace["make_series"](1000, cases.GRADER_SINE_SEED),
                          cases.noisy_sine())
    assert namespace["TRAIN_SIZE"] == cases.TRAIN_SIZE


def test_reference_windows_and_split_rule() -> None:
    inputs, targets = cases.windows(np.arange(1, 9), 3)
    assert inputs.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]
    assert targets.tolist() == [4, 5, 6, 7, 8]
    series = np.arange(1000.0)  # each value is its own index
    x_train, y_train, x_test, y_test = cases.split(series, 4, 800)
    assert x_train.max() < 800 and y_train.max() < 800 and x_train.shape == (796, 4)
    assert y_test.tolist() == list(range(800, 1000)) and x_test[0].tolist() == [796, 797, 798, 799]


def test_the_sentence_can_be_learnt_exactly() -> None:
    successors = defaultdict(set)
    text, size = cases.SENTENCE, cases.CHAR_SIZE
    for i in range(len(text) - size):
        successors[text[i:i + size]].add(text[i + size])
    assert all(len(nexts) == 1 for nexts in successors.values())
    assert f'SENTENCE = "{text}"' in _cell("sentence").source


# --- the graded samples (solution, blank and every variant: tests/test_sample_grades.py) ------

def test_the_leak_names_the_test_index(sample_result) -> None:
    result = sample_result("mistake-windows-overlap-test", ASSIGNMENT)
    message = next(c.message for c in result.checks
                   if c.name == "split_keeps_test_out_of_training")
    assert "series[803]" in message and "test value" in message


# --- what the checks tell a student, on small functions in-process (check_message) -------------

def _windows(series, step):
    """The reference make_windows, refusing what it should."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1 or len(series) <= step:
        raise ValueError("bad arguments")
    return cases.windows(series, step)


def test_window_count_mistakes_are_named(check_message) -> None:
    def extra(series, step):
        values = np.array(series, dtype=float)
        return sliding_window_view(values, step), values[step:]

    def short(series, step):
        inputs, targets = _windows(series, step)
        return inputs[:-1], targets[:-1]

    check = checks.test_windows_match_reference
    assert check_message(ASSIGNMENT, check, make_windows=_windows) == ""
    assert "one window too many" in check_message(ASSIGNMENT, check, make_windows=extra)
    assert "one window too few" in check_message(ASSIGNMENT, check, make_windows=short)


def test_raising_for_every_series_does_not_reject_the_bad_ones(check_message) -> None:
    def always(series, step):
        raise ValueError("no windows")

    check = checks.test_windows_reject_bad_arguments
    assert check_message(ASSIGNMENT, check, make_windows=_windows) == ""
    assert "also answer valid input" in check_message(ASSIGNMENT, check, make_windows=always)


def test_split_and_baseline_mistakes_are_named(check_message) -> None:
    def no_context(series, step, train_size=800):
        values = np.asarray(series, dtype=float)
        return (*_windows(values[:train_size], step), *_windows(values[train_size:], step))

    def mean_axis_0(x):
        return np.asarray(x).mean(axis=0)

    split = check_message(ASSIGNMENT, checks.test_split_keeps_test_out_of_training,
                          make_windows=_windows, split_windows=no_context)
    assert "never a target" in split
    baselines = check_message(ASSIGNMENT, checks.test_baselines_match_reference,
                              last_value_baseline=lambda x: np.asarray(x)[:, -1],
                              window_mean_baseline=mean_axis_0)
    assert "along axis 0" in baselines


def _split_reusing(make_windows):
    """A right split_windows, which cuts its windows with the given make_windows."""
    def split_windows(series, step, train_size=800):
        values = np.asarray(series, dtype=float)
        return (*make_windows(values[:train_size], step),
                *make_windows(values[train_size - step:], step))
    return split_windows


def _off_by_one(series, step):
    inputs, _ = _windows(series, step)
    return inputs, inputs[:, -1].copy()  # each target is the last value of its own window


def _one_short(series, step):
    inputs, targets = _windows(series, step)
    return inputs[:-1], targets[:-1]


def test_split_windows_is_judged_on_its_own(check_message) -> None:
    """A make_windows mistake costs make_windows' check, not the split's that reuses it."""
    split = checks.test_split_keeps_test_out_of_training
    for make_windows in (_windows, _off_by_one, _one_short):
        assert check_message(ASSIGNMENT, split, make_windows=make_windows,
                             split_windows=_split_reusing(make_windows)) == ""


def test_a_wrong_split_on_wrong_windows_names_both(check_message) -> None:
    def whole_series(series, step, train_size=800):
        inputs, targets = _off_by_one(series, step)
        return inputs[:train_size], targets[:train_size], inputs[train_size:], targets[train_size:]

    message = check_message(ASSIGNMENT, checks.test_split_keeps_test_out_of_training,
                            make_windows=_off_by_one, split_windows=whole_series)
    assert "a test value" in message
    assert "the last value of its own window" in message and "fix make_windows first" in message


def test_repeating_a_make_windows_that_ignores_its_input_is_no_split(check_message) -> None:
    def constant(series, step):
        return np.zeros((len(series) - step, step)), np.zeros(len(series) - step)

    message = check_message(ASSIGNMENT, checks.test_split_keeps_test_out_of_training,
                            make_windows=constant, split_windows=_split_reusing(constant))
    assert message != "" and "fix make_windows first" in message


def test_the_notebook_states_the_graders_margin_over_the_window_mean() -> None:
    margin = SETTINGS.thresholds["sine_mse_over_window_mean"]
    assert f"MEAN_MARGIN = {margin}" in _cell("sine_model_beats_baselines").source
    assert f"at most {margin} above it" in _cell("sine_discussion_md").source


# --- checks on functions exported in-process (the check_message fixture) ----------------------

def _windows_of_cut_data(series, step):
    """timeseries_dataset_from_array(data[:-step], data[step:]): step - 1 windows short."""
    values = np.asarray(series, dtype=np.float64)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1 or len(values) <= step:
        raise ValueError("no window")
    inputs = sliding_window_view(values[:-step], step)
    return inputs.copy(), values[step:step + len(inputs)].copy()


def _split_with(make_windows):
    def split_windows(series, step, train_size=800):
        values = np.array(series, dtype=np.float64)
        return (*make_windows(values[:train_size], step),
                *make_windows(values[train_size - step:], step))
    return split_windows


def test_windows_of_the_cut_data_cost_make_windows_alone(check_message) -> None:
    functions = {"make_windows": _windows_of_cut_data,
                 "split_windows": _split_with(_windows_of_cut_data)}
    message = check_message(ASSIGNMENT, checks.test_windows_match_reference, **functions)
    assert "is missing" in message and "series[:-step]" in message
    assert check_message(ASSIGNMENT, checks.test_split_keeps_test_out_of_training,
                         **functions) == ""


def test_models_of_any_length_and_stacked_layers_pass_the_architecture(check_message) -> None:
    import keras

    def any_length(step):
        inputs = keras.Input((None, 1))
        hidden = keras.layers.Dense(8, activation="relu")(keras.layers.GRU(32)(inputs))
        return keras.Model(inputs, keras.layers.Dense(1)(hidden))

    def stacked(step):
        return keras.Sequential([
            keras.Input((step, 1)), keras.layers.SimpleRNN(32, return_sequences=True),
            keras.layers.SimpleRNN(16), keras.layers.Dropout(0.1), keras.layers.Dense(1)])

    for build in (any_length, stacked):
        assert check_message(ASSIGNMENT, checks.test_sine_model_architecture,
                             build_sine_model=build, STEP=4, RNN_UNITS=32) == ""
