"""What the student's process exports for the windows checks (plain data, no code).

The order matters for one check: a snapshot of the notebook's own `series`, the grader's calls of
make_windows and split_windows on it, then a second snapshot; the same for `x_train` around a
call of to_rnn_layout. Each export is written to disk when it is made, so the two snapshots
show whether the calls changed their argument in place.
"""

from __future__ import annotations

from autograder.checks.probes import array_arg, call, global_arg, variable
from autograder.checks.windows import cases

_SHORT = [1.0, -2.0, 3.0, 0.5, 4.0, 2.0]  # a valid series for the bad-step probes

PROBES: list[dict] = [
    # make_windows: values, types, errors
    *[call(f"windows_{step}", "make_windows", array_arg(cases.WINDOW_SERIES.tolist(), "float64"),
           step) for step in cases.WINDOW_STEPS],
    call("windows_edge", "make_windows", array_arg(list(cases.EDGE_SERIES), "float64"),
         cases.EDGE_STEP),
    call("windows_list", "make_windows", cases.LIST_SERIES, cases.LIST_STEP),
    call("windows_int", "make_windows", cases.INT_SERIES, cases.INT_STEP),
    call("windows_float32", "make_windows", array_arg(list(cases.FLOAT32_SERIES), "float32"),
         cases.FLOAT32_STEP),
    *[call(f"windows_bad_step_{i}", "make_windows", array_arg(_SHORT, "float64"), step)
      for i, step in enumerate(cases.BAD_STEPS)],
    *[call(f"windows_short_{i}", "make_windows", array_arg(series, "float64"), step)
      for i, (series, step) in enumerate(cases.SHORT_CASES)],
    # the notebook's own series and x_train, before and after the grader's calls on them
    variable("seed", "SEED"),
    variable("series_before", "series"),
    call("series_windows", "make_windows", global_arg("series"), cases.MUTATION_STEP),
    call("series_split", "split_windows", global_arg("series"), cases.MUTATION_STEP),
    variable("series_after", "series"),
    variable("x_train_before", "x_train"),
    call("x_train_layout", "to_rnn_layout", global_arg("x_train")),
    variable("x_train_after", "x_train"),
    # split_windows on series whose values name their index
    *[call(f"split_{i}", "split_windows",
           array_arg(cases.split_series(length, seed).tolist(), "float64"), step,
           *([] if train_size is None else [train_size]))
      for i, (length, seed, step, train_size) in enumerate(cases.SPLIT_CASES)],
    # make_windows on the two parts a split should window: split_windows is judged on its own,
    # so a make_windows mistake it passes on is make_windows' loss, not split_windows'
    *[call(f"split_{i}_{part}_windows", "make_windows",
           array_arg(piece.tolist(), "float64"), step)
      for i, (length, seed, step, train_size) in enumerate(cases.SPLIT_CASES)
      for part, piece in zip(("train", "test"), cases.split_parts(
          cases.split_series(length, seed), step,
          cases.TRAIN_SIZE if train_size is None else train_size))],
    # baselines and the RNN layout
    call("last_value", "last_value_baseline",
         array_arg(cases.BASELINE_WINDOWS.tolist(), "float64")),
    call("window_mean", "window_mean_baseline",
         array_arg(cases.BASELINE_WINDOWS.tolist(), "float64")),
    *[call(f"layout_{i}", "to_rnn_layout", array_arg(x.tolist(), "float32"))
      for i, x in enumerate(cases.LAYOUT_WINDOWS)],
    # the sine model
    variable("step", "STEP"),
    variable("rnn_units", "RNN_UNITS"),
    call("sine_built", "build_sine_model", global_arg("STEP")),
    call("sine_built_7", "build_sine_model", 7),
    variable("sine_model", "sine_model"),
    # next-character windows and model
    *[call(f"char_windows_{i}", "char_windows", text, size)
      for i, (text, size) in enumerate(cases.CHAR_CASES)],
    call("char_built", "build_char_model", cases.CHAR_MODEL_VOCAB, cases.CHAR_MODEL_SIZE),
    variable("char_model", "char_model"),
]
