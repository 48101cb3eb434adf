"""What the student's process exports for the stocks checks (plain data, no code).

Dates travel as day numbers the exporter turns into a datetime64[D] array, split dates as the
strings the notebook uses. The saved model is not exported from the student's process: the
checks read the grader's own copy of the submitted file.
"""

from __future__ import annotations

from autograder.checks.probes import array_arg, call, global_arg, variable
from autograder.checks.stocks import cases


def _dated(length: int, train: int, seed: int, start: str) -> tuple[dict, dict, str]:
    dates, values, split_date = cases.dated_series(length, train, seed, start)
    return (array_arg(cases.day_number(dates), "datetime64[D]"),
            array_arg(values.tolist(), "float64"), split_date)


PROBES: list[dict] = [
    variable("seed", "SEED"),
    variable("step", "STEP"),
    variable("rnn_units", "RNN_UNITS"),
    call("log_returns_array", "log_returns", array_arg(cases.RETURN_PRICES.tolist(), "float64")),
    call("log_returns_list", "log_returns", list(cases.RETURN_LIST)),
    *[call(f"split_{i}", "split_by_date", *_dated(*case))
      for i, case in enumerate(cases.SPLIT_CASES)],
    *[call(f"windows_{step}", "make_windows",
           array_arg(cases.WINDOW_SERIES.tolist(), "float64"), step)
      for step in cases.WINDOW_STEPS],
    *[call(f"prepare_{i}", "prepare", *_dated(*case[:4]), case[4])
      for i, case in enumerate(cases.PREPARE_CASES)],
    call("persistence", "persistence_baseline",
         array_arg(cases.PERSISTENCE_WINDOWS.tolist(), "float64")),
    # prepare as the notebook defines it, on the S&P 500 returns the students get: the center
    # and scale it returns are the ones the saved model's inputs are scaled with
    call("prepare_sp500", "prepare",
         array_arg(cases.day_number(cases.sp500_returns()[0]), "datetime64[D]"),
         array_arg(cases.sp500_returns()[1].tolist(), "float64"), cases.SPLIT_DATE,
         global_arg("STEP")),
    call("built", "build_model", global_arg("STEP")),
    call("built_7", "build_model", 7),
]
