"""Assignment 1, one-hot: what its checks tell a student, tried on small functions in-process
(the `check_message` fixture): fast, and each message is tested against the mistake it must
name. The graded samples are tested with every assignment's in test_sample_grades.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pytest

from autograder.checks import check_points
from autograder.checks.onehot import cases
from autograder.checks.onehot import test_onehot as checks

ASSIGNMENT = "onehot"


def test_the_checks_are_worth_25_points() -> None:
    assert sum(check_points(ASSIGNMENT).values()) == 25


def test_no_model_without_memory_gets_more_than_dense_best() -> None:
    # Predicting from the current character alone, the best is the most common successor.
    successors = defaultdict(list)
    for char, following in zip(cases.HIHELLO, cases.HIHELLO[1:]):
        successors[char].append(following)
    best = sum(max(nexts.count(c) for c in nexts) for nexts in successors.values())
    assert best == checks.DENSE_BEST


def _vocabulary(mistake: Callable[[str], list]) -> Callable[[str], list]:
    def build_vocabulary(text: str) -> list:
        if not text:
            raise ValueError("empty")
        return mistake(text)
    return build_vocabulary


@pytest.mark.parametrize("mistake,says", [
    (lambda text: sorted(set(text)), ""),
    (lambda text: list(dict.fromkeys(text)), "in the order they first appear"),
    (lambda text: sorted(set(text), reverse=True), "not in sorted order"),
    (lambda text: sorted(set(text.lower())), "changed the case of letters"),
    (lambda text: sorted(set(text.replace(" ", ""))), "leaves out spaces"),
    (lambda text: sorted(set(text))[:-1], "1 of them is missing"),
    (lambda text: list(text), "repeat a character"),
], ids=["sorted", "first-seen", "reversed", "lowercased", "no-spaces", "one-short", "repeats"])
def test_each_vocabulary_mistake_is_named(check_message, mistake: Callable, says: str) -> None:
    message = check_message(ASSIGNMENT, checks.test_vocabulary_is_sorted_and_unique,
                            build_vocabulary=_vocabulary(mistake))
    assert says in message if says else message == ""


def test_raising_for_every_text_does_not_reject_the_empty_one(check_message) -> None:
    def build_vocabulary(text: str) -> list:
        raise ValueError("no vocabulary")

    def encode(text: str, char_to_index: dict) -> np.ndarray:
        raise ValueError(f"cannot encode {text!r}")  # names 'q' in the unknown one, too

    for check, function in ((checks.test_vocabulary_rejects_empty_text,
                             {"build_vocabulary": build_vocabulary}),
                            (checks.test_encode_rejects_unknown_and_empty, {"encode": encode})):
        assert "also answer valid input" in check_message(ASSIGNMENT, check, **function)


def test_a_one_hot_without_batch_axis_or_on_the_wrong_axis_is_named(check_message) -> None:
    def no_batch(indices, vocab_size):
        return np.eye(vocab_size, dtype=np.float32)[np.asarray(indices)]

    def swapped(indices, vocab_size):
        return np.eye(vocab_size, dtype=np.float32)[np.atleast_2d(indices)].transpose(0, 2, 1)

    check = checks.test_one_hot_has_vocab_axis_last
    assert "batch axis" in check_message(ASSIGNMENT, check, one_hot=no_batch)
    assert "should be the last axis" in check_message(ASSIGNMENT, check, one_hot=swapped)


def _upper_bound_only(indices, vocab_size):
    indices = np.atleast_2d(indices)
    if indices.max() >= vocab_size:
        raise ValueError("index too large")
    return np.eye(vocab_size, dtype=np.float32)[indices]


@pytest.mark.parametrize("one_hot,says", [
    (lambda indices, vocab_size: np.eye(vocab_size, dtype=np.float32)[np.atleast_2d(indices)],
     "it raised IndexError (NumPy's error"),
    (_upper_bound_only, "NumPy reads -1 as the last row"),
], ids=["no-range-check", "upper-bound-only"])
def test_an_unchecked_one_hot_is_named(check_message, one_hot: Callable, says: str) -> None:
    message = check_message(ASSIGNMENT, checks.test_one_hot_rejects_out_of_range, one_hot=one_hot)
    assert says in message


def test_a_one_hot_that_rejects_everything_rejects_nothing(check_message) -> None:
    def one_hot(indices, vocab_size):
        raise ValueError("index out of range")

    message = check_message(ASSIGNMENT, checks.test_one_hot_rejects_out_of_range, one_hot=one_hot)
    assert "also answer valid input" in message


def test_a_model_that_reads_ahead_is_named(tmp_path) -> None:
    """A Bidirectional layer, or a Conv1D that pads both sides, sees the character it is to
    predict: the model checks refuse it whatever its accuracy."""
    import keras

    from autograder.boundary import Artefacts
    from autograder.sandbox.exporter import export

    def build(middle):
        inputs = keras.Input((None, 7))
        return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(middle(inputs)))

    models = {"char_rnn": build(keras.layers.Bidirectional(
                  keras.layers.SimpleRNN(4, return_sequences=True))),
              "dense_model": build(keras.layers.Conv1D(4, 3, padding="same"))}
    probes = [{"name": name, "global": name} for name in models]
    export(probes, str(tmp_path), models)
    art = Artefacts(tmp_path, probes=probes)
    with pytest.raises(checks.CheckFailed, match=r"Bidirectional\(SimpleRNN\(4, return_seq"):
        checks.test_char_rnn_returns_a_sequence_of_softmax(art)
    with pytest.raises(checks.CheckFailed, match="Conv1D.*reads the steps after each one"):
        checks._char_accuracy(art, "dense_model", "hihello_vocabulary", cases.HIHELLO)
