"""The hidden inputs of the textgen assignment, and the grader's own measures of a model.

The text comes from the very loader the students get (source/textgen/text_data.py, imported
here by path: one copy of the cleaning and the split), including the reviews it reserves and
its public function never returns. The grader's unseen text is drawn from that reserve with a
seed kept here, so the released loader tells which reviews may be measured on, not which part.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from types import ModuleType

import numpy as np

from autograder.checks import lib
from autograder.checks.lib import expect
from course_config import ASSIGNMENTS, ROOT

MODEL_FILE = "textgen_model.keras"
CAPS = ASSIGNMENTS["textgen"].model_caps
LOADER_PATH = Path(ROOT) / "source" / "textgen" / "text_data.py"


def loader() -> ModuleType:
    """source/textgen/text_data.py, the students' loader, as a module."""
    return lib.support_module("textgen", "text_data.py")


@functools.cache
def texts() -> tuple[str, str]:
    """(train_text, validation_text), as the students get them."""
    return loader().load_text()


@functools.cache
def vocabulary() -> tuple[str, ...]:
    """The sorted distinct characters of the training text: the indices every model uses."""
    return tuple(sorted(set(texts()[0])))


@functools.cache
def _lookup() -> np.ndarray:
    table = np.full(128, -1, dtype=np.int64)
    for i, char in enumerate(vocabulary()):
        table[ord(char)] = i
    return table


def encode(text: str) -> np.ndarray:
    """The ids of `text`'s characters (all in the course alphabet, which is ASCII)."""
    return _lookup()[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]


# --- the grader's unseen text -------------------------------------------------------------------

HOLDOUT_SEED = 51_027_334
"""Which parts of the loader's reserved reviews the grader measures on. Hidden: the release
names only the reserve."""
HOLDOUT_PIECES = 3
HOLDOUT_TARGETS = 1_000
"""Characters predicted per piece: 3,000 in all, a few seconds of one core for any model
within the caps."""
CONTEXT = 100
"""Characters before each piece's first target, enough for the longest window the caps allow."""


@functools.cache
def holdout_pieces() -> tuple[str, ...]:
    """HOLDOUT_PIECES stretches of CONTEXT + HOLDOUT_TARGETS characters of reserved reviews."""
    reserve = " ".join(loader()._reserved())
    rng = np.random.default_rng(HOLDOUT_SEED)
    size = CONTEXT + HOLDOUT_TARGETS
    part = len(reserve) // HOLDOUT_PIECES  # one piece from each part: no overlap
    return tuple(reserve[start:start + size] for start in
                 (k * part + int(rng.integers(0, part - size)) for k in range(HOLDOUT_PIECES)))


@functools.cache
def _validation_pieces() -> tuple[str, ...]:
    """The same amount of the students' validation text: seen by no honest model either."""
    validation = texts()[1]
    size = CONTEXT + HOLDOUT_TARGETS
    part = len(validation) // HOLDOUT_PIECES
    return tuple(validation[k * part:k * part + size] for k in range(HOLDOUT_PIECES))


def _targets(pieces) -> tuple[list[np.ndarray], np.ndarray]:
    ids = [encode(piece) for piece in pieces]
    return ids, np.concatenate([piece[CONTEXT:] for piece in ids])


@functools.cache
def baselines() -> tuple[float, float]:
    """(unigram, bigram) bits per character on the holdout's targets, each counted on the whole
    training text with add-one smoothing."""
    train = encode(texts()[0])
    size = len(vocabulary())
    unigram = np.bincount(train, minlength=size) + 1.0
    bigram = np.ones((size, size))
    np.add.at(bigram, (train[:-1], train[1:]), 1.0)
    ids, targets = _targets(holdout_pieces())
    before = np.concatenate([piece[CONTEXT - 1:-1] for piece in ids])
    uni = -np.mean(np.log2(unigram[targets] / unigram.sum()))
    bi = -np.mean(np.log2(bigram[before, targets] / bigram[before].sum(axis=1)))
    return float(uni), float(bi)


# --- reading a model ------------------------------------------------------------------------------

def window_of(model, fallback: int | None) -> int:
    """How many characters the model reads: its declared input length, else `fallback` (the
    notebook's WINDOW)."""
    shape = lib.input_shape(model)
    expect(shape is not None and len(shape) in (2, 3),
           f"the model should read windows of character ids (batch, window) or one-hot "
           f"(batch, window, characters); it declares inputs of shape {shape}")
    if shape[1] is not None:
        return int(shape[1])
    expect(fallback is not None and 0 < fallback <= CAPS.steps,
           "the model accepts windows of any length, and WINDOW is not a usable length")
    return int(fallback)


def model_inputs(model, windows: np.ndarray) -> np.ndarray:
    """Windows of ids as the model reads them: ids, or one-hot when it declares 3 axes."""
    shape = lib.input_shape(model)
    if len(shape) == 3:
        return np.eye(shape[2] or len(vocabulary()), dtype=np.float32)[windows]
    return windows.astype(np.int32)


def probabilities(model, windows: np.ndarray, what: str) -> np.ndarray:
    """The model's next-character distributions for `windows` (n, window), in batches of 1,000,
    traced once."""
    import tensorflow as tf

    def run(batch):
        return model(batch, training=False)

    compiled = tf.function(run, autograph=False, reduce_retracing=True)
    out = []
    for start in range(0, len(windows), 1_000):
        part = model_inputs(model, windows[start:start + 1_000])
        try:
            values = np.asarray(compiled(part))
        except Exception as exc:  # noqa: BLE001 (a model may fail in any way)
            raise lib.cannot_read(model, what, f"windows of shape {part.shape}", exc) from None
        out.append(values.reshape(len(part), -1))
    values = np.concatenate(out).astype(np.float64)
    size = len(vocabulary())
    expect(values.shape[1] == size,
           f"{what} should give {size} probabilities per window, one per character of the "
           f"vocabulary; it gives {values.shape[1]}")
    return values


def bits(model, pieces, window: int, what: str) -> float:
    """Average -log2 p(target) of `model` over the targets of `pieces`, each read after the
    `window` characters before it."""
    ids, targets = _targets(pieces)
    windows = np.concatenate([np.lib.stride_tricks.sliding_window_view(piece[:-1], window)
                              [CONTEXT - window:] for piece in ids])
    p = probabilities(model, windows, what)
    chosen = p[np.arange(len(targets)), targets]
    expect(np.all(np.isfinite(p)) and np.all(p >= 0),
           f"{what} gives outputs that are not probabilities (negative or not finite)")
    return float(-np.mean(np.log2(np.maximum(chosen, 1e-12))))


_MODELS: dict[tuple, object] = {}
_BITS: dict[tuple, float] = {}


def _file_key(art) -> tuple:
    path = art.saved_file(MODEL_FILE).path  # StudentCodeError if none was submitted
    stat = os.stat(path)
    return str(path), stat.st_size, stat.st_mtime_ns


def saved_model(art):
    """The submitted model, loaded safely once per file (path, size, time) for all checks."""
    key = _file_key(art)
    if key not in _MODELS:
        _MODELS.clear()  # one submission at a time: keep memory flat over a batch
        _BITS.clear()
        _MODELS[key] = lib.saved_model(art, MODEL_FILE, "the saved model", CAPS)
    return _MODELS[key]


def saved_model_bits(art, part: str, window: int) -> float:
    """The saved model's bits per character on the holdout ("holdout") or on as much of the
    validation text ("validation"), computed once per file."""
    net = saved_model(art)
    key = (*_file_key(art), part, window)
    if key not in _BITS:
        pieces = holdout_pieces() if part == "holdout" else _validation_pieces()
        _BITS[key] = bits(net, pieces, window, "the saved model")
    return _BITS[key]


def _written_windows(context: str, written: str, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(the window before each character of `written` in context + written, with spaces in
    front if too few; the ids of those characters)."""
    full = encode(" " * window + context + written)
    start = window + len(context)
    return np.stack([full[i - window:i] for i in range(start, len(full))]), full[start:]


def argmax_share(model, context: str, written: str, window: int) -> float:
    """The share of the characters of `written` that are `model`'s most likely next character
    after the `window` characters before each."""
    windows, ids = _written_windows(context, written, window)
    p = probabilities(model, windows, "the saved model")
    return float(np.mean(np.argmax(p, axis=1) == ids))


def text_bits(model, context: str, written: str, window: int) -> float:
    """Average -log2 p of each character of `written` under `model`, each read after the
    `window` characters before it in context + written (spaces in front if too few)."""
    full = encode(" " * window + context + written)
    start = window + len(context)
    windows = np.stack([full[i - window:i] for i in range(start, len(full))])
    p = probabilities(model, windows, "the saved model")
    return float(-np.mean(np.log2(np.maximum(p[np.arange(len(written)), full[start:]], 1e-12))))


# --- hidden inputs of the small probes ----------------------------------------------------------

VOCAB_TEXTS = (
    "quiet, odd; yet moving?",
    "zebra crossing at 9:45 - yes!",
    "mmmmmmmm",
    "Ünïcode kept: ÷ and ☃ too",
)
"""Punctuation before letters, digits, repeats, characters outside the course alphabet."""

ENCODE_TEXT = "a brisk jury quizzed the odd wolf, 1987!"
ENCODE_MAPPING = {char: i for i, char in
                  enumerate(sorted(set(ENCODE_TEXT) | set("#$%"), reverse=True))}
"""The table encode is given: not the one its text's own sorted vocabulary would give, so an
encode that ignores its table and numbers the characters itself is told apart."""

PAIR_CASES = (
    ([4, 8, 15, 16, 23, 42, 7, 3, 9, 11, 2, 5, 31, 17, 0, 6, 12], 5),
    ([9, 1, 9, 1, 2, 9, 8, 3], 1),
    ([5, 4, 3, 2, 1, 0, 7], 6),
    (list(range(300, 40, -1)), 9),
)
"""(ids, window): a window of 1, a single pair, more pairs than one batch of 256."""


def pairs(ids: list[int], window: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference: every window of `window` ids and the id right after it."""
    ids = np.asarray(ids)
    x = np.stack([ids[i:i + window] for i in range(len(ids) - window)])
    return x, ids[window:]


DISTRIBUTION = (0.05, 0.4, 0.1, 0.25, 0.2, 0.0)
"""The distribution sample is measured on (the last index can never be drawn)."""
DRAWS = 20_000
TEMPERATURES = (1.0, 0.5, 2.0)
SAMPLE_SEEDS = (8_191, 131_071, 524_287)
MAX_TV = 0.02
"""Total-variation bound between the empirical and the expected distribution: with 20,000 draws
the expected distance is about 0.005, and this bound is four times that."""

COLD = (0.3, 0.32, 0.1, 0.28)
COLD_TEMPERATURE = 0.01
COLD_DRAWS = 500
COLD_SHARE = 0.98
"""At temperature 0.01 the argmax (index 1) has probability 1 - 0.0016: 500 draws give it at
least 98% of the time for any correct sample."""

MODEL_LIKE = tuple(float(v) for v in
                   np.round(np.random.default_rng(5).dirichlet(np.full(47, 0.3)), 6))
"""A softmax-like distribution over 47 characters, sent as float32 (it sums to 1 only to float32
precision, as a model's outputs do)."""
MODEL_LIKE_DRAWS = 4_000

BAD_TEMPERATURES = (0.0, -0.5, float("nan"), float("inf"))


def expected(distribution, temperature: float) -> np.ndarray:
    p = np.asarray(distribution, dtype=np.float64)
    q = np.where(p > 0, p, 0.0) ** (1.0 / temperature)
    return q / q.sum()


def entropy(q: np.ndarray) -> float:
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum())


SEED_TEXTS = (
    "the cinematography was gorgeous but the plot went nowhere, and ",
    "after the second act i started checking my watch; still, the ",
)
SHORT_SEED = "why"
"""Shorter than any window: padded on the left with spaces."""
GENERATE_LENGTH = 80
FOLLOW_LENGTH = 100
FOLLOW_TEMPERATURE = 0.5
GENERATE_SEEDS = (2_718, 31_415)
COLD_GENERATE_TEMPERATURE = 0.05
COLD_GENERATE_LENGTH = 60
COLD_GENERATE_SHARE = 0.8
"""At temperature 0.05 a character other than the model's most likely one is drawn only where
two are nearly tied: generate should then write the saved model's argmax almost every time.
Measured on the 60 characters: the solution 0.98, the other correct samples 0.98 to 1.0 (with
the CategoryEncoding model 1.0); a generate that draws at temperature 1 whatever it is given
(mistake-generate-ignores-temperature) 0.47, a sample that multiplies by T 0.47, one that
inverts it 0.03."""
BUILD = (29, 17, 12)
"""(vocab_size, window, units) the grader builds build_model with."""
