"""Assignment 3, addition: the notebook, its hidden checks and its samples agree.

Fast tests (files and tiny models only): the grader's references match Keras and the notebook's
given definitions, and its fresh questions are drawn the way the notebook draws its own. The
sample grades are tested with every assignment's in test_sample_grades.py.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

import course_config
from autograder.build import solution_notebook
from autograder.checks import check_points
from autograder.checks.addition import cases
from autograder.notebook_io import grade_id

ROOT = Path(course_config.ROOT)
SETTINGS = course_config.ASSIGNMENTS["addition"]


def _solution_namespace(*cells: str) -> dict:
    """Run the solution's definitions of `cells` (no training) and return their names."""
    notebook = solution_notebook(ROOT / "source" / "addition" / SETTINGS.notebook)
    namespace: dict = {"np": np, "keras": keras, "ALPHABET": cases.ALPHABET}
    for cell in notebook.cells:
        if grade_id(cell) in cells:
            exec(compile(cell.source, grade_id(cell), "exec"), namespace)  # noqa: S102
    return namespace


def test_the_checks_are_worth_22_points() -> None:
    assert sum(check_points("addition").values()) == 22


@pytest.mark.parametrize("cell", ["SimpleRNN", "GRU", "LSTM"])
def test_the_reference_formula_is_what_keras_counts(cell: str) -> None:
    layer = getattr(keras.layers, cell)
    for units, digits in ((128, 3), (7, 2)):
        model = keras.Sequential([
            keras.Input((2 * digits + 1, cases.SYMBOLS)), layer(units),
            keras.layers.RepeatVector(digits + 1), layer(units, return_sequences=True),
            keras.layers.TimeDistributed(keras.layers.Dense(cases.SYMBOLS, activation="softmax")),
        ])
        assert model.count_params() == cases.seq2seq_params(cell, units)
    assert cases.seq2seq_params("LSTM", 128) == 205_324  # the figures the notebook quotes
    assert cases.seq2seq_params("GRU", 128) == 155_148


def test_the_grader_draws_fresh_questions_as_the_notebook_draws_its_own() -> None:
    generate_data = _solution_namespace("generate_data")["generate_data"]
    for count, digits, seed in ((200, 3, cases.GRADER_SEED), (50, 2, 5)):
        assert cases.fresh_questions(count, digits, seed) == generate_data(count, digits, seed)


def test_the_fresh_questions_are_distinct_padded_sums() -> None:
    questions, answers = cases.fresh_questions()
    pairs = {tuple(sorted(cases.parse(q))) for q in questions}
    assert len(pairs) == len(questions) == cases.FRESH_COUNT
    assert all(len(q) == 7 and len(a) == 4 for q, a in zip(questions, answers))
    assert all(int(a) == sum(cases.parse(q)) for q, a in zip(questions, answers))


def test_the_reference_encoding_round_trips_and_reverses() -> None:
    namespace = _solution_namespace("vectorize", "devectorize")
    for questions, answers, digits in cases.VECTORIZE_CASES:
        for reverse in (False, True):
            x, y = cases.vectorize(questions, answers, digits, reverse)
            mine = namespace["vectorize"](questions, answers, digits, reverse)
            assert np.array_equal(x, mine[0]) and np.array_equal(y, mine[1])
            read = cases.devectorize(x)
            assert read == ([q[::-1] for q in questions] if reverse else questions)
            assert cases.devectorize(y) == answers


def test_an_untrained_model_is_far_below_the_bound() -> None:
    keras.utils.set_random_seed(0)
    namespace = _solution_namespace("build_model")
    untrained = namespace["build_model"](3, "LSTM", 32)
    assert cases.measure_exact_match(untrained, reverse=True) < 0.05
    assert SETTINGS.thresholds["exact_match"] >= 0.5
