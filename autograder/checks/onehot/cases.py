"""The hidden inputs of the one-hot assignment, and the grader's own reference answers."""

from __future__ import annotations

import numpy as np

HIHELLO = "hihello"
SENTENCE = " if you want you"

# Other strings than the notebook's: repeated and single characters, capitals, non-ASCII.
TEXTS = ("hello world", "aaaa", "x", "Mississippi", "héllo wörld ✓ ñ", "banana bandana")

# (indices, vocab_size): 1-D, 2-D, a single step, and a vocabulary larger than the indices used.
ONE_HOT_CASES = (
    ([2, 0, 1, 1], 4),
    ([[0, 1, 2], [2, 2, 0]], 3),
    ([0], 1),
    ([[1, 3]], 6),
)

# (indices, vocab_size, what is wrong with them): one past the end, negative in a batch (NumPy
# reads -1 as the last row of np.eye), far past the end; never the notebook's own cases.
ONE_HOT_OUT_OF_RANGE = (
    ([1, 3, 0], 3, "an index equal to vocab_size"),
    ([[0, 2], [-1, 1]], 4, "a negative index"),
    ([[6, 1]], 4, "an index past vocab_size"),
)

ENCODE_ALPHABET = "zyxwvuea -éà"  # indices deliberately not in alphabetical order
ENCODE_TEXTS = ("wave", "x", "zz zz", "é-à")
XY_TEXTS = (HIHELLO, "abcabd", "héllo ✓")
DECODE_ALPHABET = "ab ✓d"
DECODE_INDICES = (4, 0, 1, 1, 2, 3)
DECODE_SEED = 1234


def vocabulary(text: str) -> list[str]:
    return sorted(set(text))


def char_to_index(alphabet: str) -> dict[str, int]:
    return {ch: i for i, ch in enumerate(alphabet)}


def index_to_char(alphabet: str) -> dict[int, str]:
    return dict(enumerate(alphabet))


def one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    indices = np.atleast_2d(np.asarray(indices))
    return np.eye(size, dtype=np.float32)[indices]


def decode_probabilities() -> np.ndarray:
    """Softmax-like rows whose argmax spells DECODE_INDICES."""
    rng = np.random.default_rng(DECODE_SEED)
    rows = rng.uniform(0.0, 0.5, size=(len(DECODE_INDICES), len(DECODE_ALPHABET)))
    rows[np.arange(len(DECODE_INDICES)), DECODE_INDICES] += 1.0
    return (rows / rows.sum(axis=1, keepdims=True)).astype(np.float32)


def next_char_targets(text: str, order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (1, n-1, V) and target indices (n-1,) of `text`, in the vocabulary `order`."""
    table = {ch: i for i, ch in enumerate(order)}
    indices = np.array([table[ch] for ch in text])
    return one_hot(indices[:-1], len(order)), indices[1:]
