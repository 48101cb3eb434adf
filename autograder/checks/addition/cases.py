"""The hidden inputs of the addition assignment, and the grader's own reference answers.

Nothing here comes from a student's notebook: the references are written again from the
assignment's text, so a check never compares a student's answer with itself.
"""

from __future__ import annotations

import numpy as np

from autograder.checks import lib

ALPHABET = "0123456789+ "
SYMBOLS = len(ALPHABET)
DIGITS = 3
"""The digits of the questions the saved model is graded on (the notebook's DIGITS)."""
CELLS = ("SimpleRNN", "GRU", "LSTM")

# --- generate_data --------------------------------------------------------------------------

GENERATE_CASES = ((300, 3, 1234), (120, 2, 99), (55, 1, 7))
"""(n, digits, seed). 55 one-digit questions are all there are (10 * 11 / 2 unordered pairs)."""
DETERMINISM = ((40, 3, 2024), (40, 3, 2024), (40, 3, 2025))
"""Two calls with one seed, one with the next seed."""

# --- vectorize / devectorize ------------------------------------------------------------------

VECTORIZE_CASES = (
    (["0+0    ", "999+999", "5+17   ", "120+8  ", "64+305 "], ["0   ", "1998", "22  ", "128 ",
                                                             "369 "], 3),
    (["9+99 ", "10+3 ", "7+7  "], ["108", "13 ", "14 "], 2),
)
"""(padded questions, padded answers, digits)."""

_RNG = np.random.default_rng(4711)


def _softmax_batch(n: int, length: int) -> np.ndarray:
    logits = _RNG.normal(0.0, 2.0, size=(n, length, SYMBOLS))
    logits[np.arange(n)[:, None], np.arange(length)[None, :],
           _RNG.integers(0, SYMBOLS, size=(n, length))] += 3.0  # a clear winner, no ties
    probabilities = np.exp(logits)
    return (probabilities / probabilities.sum(axis=-1, keepdims=True)).astype(np.float32)


DEVECTORIZE_CASES = (_softmax_batch(6, 4), _softmax_batch(3, 7))
"""Softmax-like probabilities, not one-hot: devectorize must take the most likely character."""

# --- create_dataset ---------------------------------------------------------------------------

DATASET_CASES = ((300, 100, 2, 31, False), (150, 60, 3, 8, True))
"""(n_train, n_test, digits, seed, reverse)."""

# --- the formula, the model -------------------------------------------------------------------

FORMULA_CASES = (("SimpleRNN", 128, 12), ("LSTM", 64, 12), ("GRU", 32, 12), ("LSTM", 16, 20),
                 ("GRU", 7, 5), ("SimpleRNN", 3, 9))
"""(cell, units, symbols)."""
BUILD_CASES = ((2, "GRU", 16), (4, "SimpleRNN", 10))
"""(digits, cell, units) besides the notebook's own choice."""

# --- accuracies -------------------------------------------------------------------------------

ACCURACY_TRUTH = np.eye(SYMBOLS, dtype=np.float32)[_RNG.integers(0, SYMBOLS, size=(20, 4))]
ACCURACY_GUESS = _softmax_batch(20, 4)
ACCURACY_GUESS[:7] = ACCURACY_TRUTH[:7] * 0.9 + 0.1 / SYMBOLS  # some answers wholly right
ACCURACY_GUESS[7:12, :2] = ACCURACY_TRUTH[7:12, :2] * 0.9 + 0.1 / SYMBOLS  # some half right

# --- the questions the saved model is graded on -----------------------------------------------

GRADER_SEED = 8675309
"""Not the notebook's SEED: fresh questions the student's notebook never drew."""
FRESH_COUNT = 2000


def seq2seq_params(cell: str, units: int, symbols: int = SYMBOLS) -> int:
    """Encoder(cell) -> RepeatVector -> decoder(cell) -> Dense(symbols) on every step."""
    return (lib.recurrent_params(cell, symbols, units) + lib.recurrent_params(cell, units, units)
            + lib.dense_params(units, symbols))


def parse(question: str) -> tuple[int, int] | None:
    """(a, b) of a padded question "a+b   ", or None if it is not one."""
    text = question.rstrip(" ")
    left, plus, right = text.partition("+")
    if not plus or not left.isdigit() or not right.isdigit() or " " in text:
        return None
    return int(left), int(right)


def one_hot(texts: list[str], length: int) -> np.ndarray:
    index = {char: i for i, char in enumerate(ALPHABET)}
    out = np.zeros((len(texts), length, SYMBOLS), dtype=np.float32)
    for row, text in enumerate(texts):
        for step, char in enumerate(text):
            out[row, step, index[char]] = 1.0
    return out


def vectorize(questions: list[str], answers: list[str], digits: int,
              reverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    if reverse:
        questions = [q[::-1] for q in questions]
    return one_hot(questions, 2 * digits + 1), one_hot(answers, digits + 1)


def devectorize(probabilities: np.ndarray) -> list[str]:
    return ["".join(ALPHABET[i] for i in row) for row in np.asarray(probabilities).argmax(-1)]


def fresh_questions(count: int = FRESH_COUNT, digits: int = DIGITS,
                    seed: int = GRADER_SEED) -> tuple[list[str], list[str]]:
    """Distinct questions drawn as the assignment says (operand length uniform in 1..digits)."""
    rng = np.random.default_rng(seed)
    seen, questions, answers = set(), [], []
    while len(questions) < count:
        a, b = (int(rng.integers(0, 10 ** int(rng.integers(1, digits + 1)))) for _ in range(2))
        if (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        questions.append(f"{a}+{b}".ljust(2 * digits + 1))
        answers.append(str(a + b).ljust(digits + 1))
    return questions, answers


def exact_match(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.all(y_true.argmax(-1) == y_pred.argmax(-1), axis=-1)))


def char_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true.argmax(-1) == y_pred.argmax(-1)))


def measure_exact_match(net, reverse: bool) -> float:
    """Exact-match accuracy of `net` on the grader's fresh 3-digit questions."""
    questions, answers = fresh_questions()
    x, y = vectorize(questions, answers, DIGITS, reverse)
    predictions = lib.predict(net, x)
    lib.expect(predictions.shape == y.shape,
               f"for {len(x)} questions of {DIGITS}-digit operands the model should output "
               f"{y.shape} (answers of {DIGITS + 1} characters over {SYMBOLS} symbols); it "
               f"outputs {predictions.shape}")
    return exact_match(y, predictions)
