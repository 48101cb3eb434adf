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
from autograder.checks.addition import test_addition as checks
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


# --- checks on functions exported in-process (the check_message fixture) ----------------------

def _encoder(alphabet: str, reverse_answers: bool = False, pad: bool = True):
    """(generate_data, vectorize, create_dataset) as the solution writes them, over
    `alphabet`'s column order, optionally reversing the answers too or leaving them unpadded."""
    namespace = _solution_namespace("generate_data", "vectorize", "create_dataset")
    generate, vectorize = namespace["generate_data"], namespace["vectorize"]

    def generate_data(n, digits, seed):
        questions, answers = generate(n, digits, seed)
        return questions, answers if pad else [a.strip() for a in answers]

    def own_vectorize(questions, answers, digits, reverse=False):
        x, y = vectorize(questions, answers, digits, reverse)
        order = [cases.ALPHABET.index(c) for c in alphabet]
        return x[..., order], (y[:, ::-1] if reverse and reverse_answers else y)[..., order]

    def create_dataset(n_train, n_test, digits, seed, reverse=False):
        x, y = own_vectorize(*generate_data(n_train + n_test, digits, seed), digits, reverse)
        return x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    return {"generate_data": generate_data, "vectorize": own_vectorize,
            "create_dataset": create_dataset}


@pytest.mark.parametrize("alphabet,reverse_answers,pad", [
    (cases.ALPHABET, True, True),  # vectorize_reverses_questions charges it
    ("".join(sorted(cases.ALPHABET)), False, True),  # vectorize_matches_reference does
    (cases.ALPHABET, False, False),  # generate_data_pads_to_fixed_length does
])
def test_create_dataset_is_read_as_the_students_vectorize_writes(
        check_message, alphabet: str, reverse_answers: bool, pad: bool) -> None:
    functions = _encoder(alphabet, reverse_answers, pad)
    assert check_message("addition", checks.test_create_dataset_keeps_test_apart,
                         **functions) == ""


def test_create_dataset_that_shuffles_x_and_y_apart_is_charged(check_message) -> None:
    functions = _encoder(cases.ALPHABET)
    own = functions["create_dataset"]

    def create_dataset(n_train, n_test, digits, seed, reverse=False):
        x_train, y_train, x_test, y_test = own(n_train, n_test, digits, seed, reverse)
        return x_train, np.random.default_rng(0).permutation(y_train), x_test, y_test

    message = check_message("addition", checks.test_create_dataset_keeps_test_apart,
                            **{**functions, "create_dataset": create_dataset})
    assert "not the sum of its question" in message and "fix vectorize" not in message


def _formula(gates: dict, biases: int | None = None, dense: bool = True):
    def seq2seq_params(cell, units, symbols=12):
        bias = (2 if cell == "GRU" else 1) if biases is None else biases
        per = [gates[cell] * units * (d + units + bias) for d in (symbols, units)]
        return sum(per) + ((units + 1) * symbols if dense else 0)
    return seq2seq_params


_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


@pytest.mark.parametrize("function,says", [
    (_formula(_GATES), ""),
    (_formula(_GATES, biases=1), "reset_after=False"),
    (_formula(_GATES, biases=0), "without the recurrent layers' biases"),
    (_formula({**_GATES, "SimpleRNN": 4}), "the count of LSTM (four gates)"),
    (_formula(_GATES, dense=False), "without the Dense layer"),
])
def test_each_formula_slip_is_named(check_message, function, says: str) -> None:
    message = check_message("addition", checks.test_param_formula_matches_keras,
                            seq2seq_params=function)
    assert says in message if says else message == ""


def test_a_softmax_layer_after_a_linear_dense_is_a_softmax(check_message) -> None:
    def build_model(digits, cell="LSTM", units=128):
        rnn = getattr(keras.layers, cell)
        return keras.Sequential([
            keras.Input((2 * digits + 1, cases.SYMBOLS)), rnn(units), keras.layers.Dropout(0.1),
            keras.layers.RepeatVector(digits + 1), rnn(units, return_sequences=True),
            keras.layers.TimeDistributed(keras.layers.Dense(cases.SYMBOLS)),
            keras.layers.Activation("softmax")])

    for check in (checks.test_model_has_seq2seq_layers, checks.test_model_params_match_formula):
        assert check_message("addition", check, build_model=build_model, DIGITS=3,
                             CELL="GRU", UNITS=8) == ""
