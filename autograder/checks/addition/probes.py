"""What the student's process exports for the addition checks (plain data, no code)."""

from __future__ import annotations

from autograder.checks.addition import cases
from autograder.checks.probes import array_arg, call, global_arg, variable

PROBES: list[dict] = [
    variable("digits", "DIGITS"),
    variable("cell", "CELL"),
    variable("units", "UNITS"),
    variable("reverse", "REVERSE"),
    *[call(f"generate_{i}", "generate_data", n, digits, seed)
      for i, (n, digits, seed) in enumerate(cases.GENERATE_CASES)],
    *[call(f"determinism_{i}", "generate_data", n, digits, seed)
      for i, (n, digits, seed) in enumerate(cases.DETERMINISM)],
    *[call(f"vectorize_{i}_{reverse}", "vectorize", questions, answers, digits, reverse)
      for i, (questions, answers, digits) in enumerate(cases.VECTORIZE_CASES)
      for reverse in (False, True)],
    *[call(f"devectorize_{i}", "devectorize", array_arg(p.tolist(), "float32"))
      for i, p in enumerate(cases.DEVECTORIZE_CASES)],
    *[call(f"dataset_{i}", "create_dataset", *case) for i, case in enumerate(cases.DATASET_CASES)],
    *[call(f"formula_{i}", "seq2seq_params", *case) for i, case in enumerate(cases.FORMULA_CASES)],
    call("built", "build_model", global_arg("DIGITS"), global_arg("CELL"), global_arg("UNITS")),
    *[call(f"built_{i}", "build_model", *case) for i, case in enumerate(cases.BUILD_CASES)],
    call("char_accuracy", "char_accuracy", array_arg(cases.ACCURACY_TRUTH.tolist(), "float32"),
         array_arg(cases.ACCURACY_GUESS.tolist(), "float32")),
    call("exact_match", "exact_match", array_arg(cases.ACCURACY_TRUTH.tolist(), "float32"),
         array_arg(cases.ACCURACY_GUESS.tolist(), "float32")),
]
