"""The hidden inputs of the sentiment assignment, and the grader's own measures of a model.

The reviews come from the very loader the students get (source/sentiment/movie_data.py,
imported here by path: one copy of the split), including the 3,000 reviews it reserves and its
public functions never return. The grader's holdout is 2,000 of them drawn with a seed kept
here, so the released loader tells which reviews may be held out, not which are.
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

MODEL_FILE = "sentiment_model.keras"
CAPS = ASSIGNMENTS["sentiment"].model_caps
"""What the saved model may declare: it reads whole reviews, longer than the other models."""
LOADER_PATH = Path(ROOT) / "source" / "sentiment" / "movie_data.py"


def loader() -> ModuleType:
    """source/sentiment/movie_data.py, the students' loader, as a module."""
    return lib.support_module("sentiment", "movie_data.py")


@functools.cache
def _imdb():
    return loader()._imdb_parts()


HOLDOUT_SEED = 73_905_118
"""Which of the loader's reserved reviews form the holdout. Hidden: the release names only the
reserve."""
HOLDOUT_PER_CLASS = 1_000


def _take(index: np.ndarray) -> tuple[list[str], np.ndarray]:
    texts, labels, *_ = _imdb()
    return [texts[i] for i in index], labels[index]


def _part(which: int) -> tuple[list[str], np.ndarray]:
    return _take(_imdb()[2 + which])


def reserve() -> tuple[list[str], np.ndarray]:
    """The 3,000 reviews (1,500 per class) the loader keeps out of both splits."""
    return _part(0)


@functools.cache
def _holdout_index() -> np.ndarray:
    _, labels, reserved, *_ = _imdb()
    rng = np.random.default_rng(HOLDOUT_SEED)
    chosen = [rng.choice(reserved[labels[reserved] == c], HOLDOUT_PER_CLASS, replace=False)
              for c in (0, 1)]
    return rng.permutation(np.concatenate(chosen))


def holdout() -> tuple[list[str], np.ndarray]:
    """The 2,000 reviews (1,000 per class) the grader measures models on: drawn from the reserve
    with HOLDOUT_SEED."""
    return _take(_holdout_index())


def test_split() -> tuple[list[str], np.ndarray]:
    return _part(1)


def train_split() -> tuple[list[str], np.ndarray]:
    return _part(2)


def _balanced(texts: list[str], labels: np.ndarray, per_class: int, from_end: bool = False):
    """The first (or last) `per_class` reviews of each class, in the split's order."""
    order = np.arange(len(labels))[::-1] if from_end else np.arange(len(labels))
    chosen = np.sort(np.concatenate([order[labels[order] == c][:per_class] for c in (0, 1)]))
    return [texts[i] for i in chosen], labels[chosen]


GAP_PER_CLASS = 1_000
"""Reviews per class of the student's test split the grader compares with the holdout."""


def test_sample() -> tuple[list[str], np.ndarray]:
    """2,000 reviews of the students' test split (the first 1,000 of each class)."""
    return _balanced(*test_split(), GAP_PER_CLASS)


PREDICT_PER_CLASS = 100


def predict_reviews() -> tuple[list[str], np.ndarray]:
    """200 reviews of the test split (the last 100 of each class) for predict_sentiment. Not
    held-out ones: whatever the grader sends into the student's process, the student can see."""
    return _balanced(*test_split(), PREDICT_PER_CLASS, from_end=True)


SINGLE_REVIEWS = 5
"""predict_sentiment is also called on the first reviews of predict_reviews() one at a time."""
SAME_PREDICTION = 1e-3
"""Two runs of one model on one review agree far closer than this (float32 rounding)."""

# --- hidden inputs of the small probes ----------------------------------------------------------

PRE_PAD_CASES = (
    ([[3, 4, 5], [7], [1, 2, 3, 4, 5, 6, 7, 8, 9]], 5),
    ([[9, 8, 7, 6]], 4),
    ([[11, 12], [], [13, 14, 15]], 3),
    ([[21, 22, 23, 24, 25, 26]], 1),
)
"""(sequences, maxlen): short, exact, empty and long sequences."""


def pre_pad(sequences, maxlen: int) -> np.ndarray:
    """Reference: zeros first, the last maxlen integers of each sequence kept."""
    out = np.zeros((len(sequences), maxlen), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        kept = list(sequence)[-maxlen:]
        out[row, maxlen - len(kept):] = kept
    return out


BUILD_VOCAB = 1_234
"""The vocabulary size the grader builds build_model with."""

VECTOR_TEXTS = (
    "An absolutely wonderful film, with a cast at the top of its game.",
    "",
    "Terrible acting.<br /><br />Worse script!",
    # 3,000 words, more than the longest review: cut to MAXLEN whatever MAXLEN is
    " ".join(["the plot drags and the dialogue is flat"] * 375),
)
EMPTY_TEXT, LONG_TEXT = 1, 3
LONG_WORDS = len(VECTOR_TEXTS[LONG_TEXT].split())

TEST_ONLY_WORDS = (
    "cognaci", "bazza", "ulises", "alekos", "cabell", "jouissance", "ripner", "adeline",
    "coalwood", "darkling", "demmes", "edmunds", "horstachio", "martina", "optimus", "osa",
    "snoozing", "dex", "fenwick", "freefall", "kennicut", "letty", "petiots", "quaien", "ruge",
    "achilleas", "ardala", "asher", "beccket", "boar", "cales", "cellach", "chori", "crocky",
    "erie", "germaine", "haddad", "haw", "hildebrand", "keko", "kochak", "kruis", "liceman",
    "marischka", "mcchesney", "mehndi", "morverns", "oshin", "postcode", "rankled", "renyolds",
    "representational", "rothschild", "santoshi", "schoolboys", "strickler", "surrogacy",
    "tajs", "unfaithfulness", "uni", "vovochka", "yowsa", "ze", "accession", "aldolpho",
    "annamarie", "aranoa", "argonne", "ayurvedic", "beamont", "begat", "bilious", "birdy",
    "bluths", "boobees", "boomslang", "bp", "brunhilda", "cambell", "cann", "carmine",
    "cassell", "charecters", "codenamedragonfly", "colloras", "comedically", "congorilla",
    "contemptuous", "coordination", "councils", "curtailed", "dealthis", "dekhne", "deknight",
    "dez", "diamantino", "disks", "durbins", "eisners", "englunds",
)
"""The 100 most frequent words of the test split that no training review contains (after
TextVectorization's default standardization). A vocabulary adapted on the training reviews
cannot hold any of them; one adapted on the test split holds all 100 with 20,000 tokens and
about 20 with the notebook's 10,000.
tests/test_sentiment.py recomputes the list from the loader."""
MAX_TEST_ONLY_KNOWN = 1

TRAIN_COMMON_WORDS = ("christmas", "ideas", "various", "casting", "twist", "william", "front",
                      "members", "rich", "nudity")
"""Words ranked about 1,000 in the training reviews: any vocabulary of a few thousand tokens
adapted on them knows these."""

_VOCABULARY_SETTINGS = ("max_tokens", "standardize", "split", "ngrams", "encoding")
"""The settings of a TextVectorization that decide which words `adapt` keeps."""


def training_vocabulary(vectorizer) -> set[str] | None:
    """The words a TextVectorization with `vectorizer`'s settings keeps when adapted on the
    training split, or None if its settings cannot be copied (a custom standardization).

    Keras sorts the counted words by count, then by the word itself, so the training reviews in
    any order and any batch size give exactly this vocabulary."""
    config = vectorizer.get_config()
    settings = tuple((key, config.get(key)) for key in _VOCABULARY_SETTINGS)
    plain = (str, int, type(None))
    if not all(isinstance(v, plain) or (isinstance(v, (list, tuple))
                                         and all(isinstance(n, int) for n in v))
               for _, v in settings):
        return None
    return set(_adapted_on_train(tuple((k, tuple(v) if isinstance(v, list) else v)
                                       for k, v in settings)))


@functools.cache
def _adapted_on_train(settings: tuple) -> tuple[str, ...]:
    import keras

    reference = keras.layers.TextVectorization(**dict(settings))
    reference.adapt(train_split()[0], batch_size=512)
    return tuple(reference.get_vocabulary())


@functools.cache
def _test_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in test_split()[0]:
        for word in standardize(text):
            counts[word] = counts.get(word, 0) + 1
    return counts


def favours_test_split(added: set[str], dropped: set[str]) -> bool:
    """Whether the words a vocabulary holds instead of the training split's own (`added` for
    `dropped`) are used clearly more in the test reviews: the sign that test text was counted.
    A vocabulary adapted on a part of the training reviews swaps words at random instead."""
    if not added or not dropped:
        return bool(added)
    counts = _test_counts()

    def uses(words: set[str]) -> float:
        return sum(counts.get(word, 0) for word in words) / len(words)

    return uses(added) > 1.5 * uses(dropped)


ADAPT_PER_CLASS = 150
ADAPT_TOKENS = 20_000
"""make_vectorizer, as the notebook defines it, is called on 300 training reviews (the first
150 of each class) with room for 20,000 tokens, more than those reviews hold (9,721 words)."""


def adapt_texts() -> list[str]:
    """The reviews make_vectorizer is called on: reviews of the training split, which the
    student's process may see anyway."""
    return _balanced(*train_split(), ADAPT_PER_CLASS)[0]


ABSENT_WORDS = (
    "tony", "presence", "animals", "charlie", "affair", "ii", "rented", "henry", "addition",
    "carry", "mental", "sight", "food", "sleep", "finished", "heroine", "humorous", "morgan",
    "saved", "broken", "gary", "visit", "devil", "logic", "entertained", "study", "ran", "bank",
    "executed", "unrealistic", "daniel", "daughters", "fill", "simon", "theatrical", "cares",
    "research", "santa", "believes", "gordon", "lewis", "tape", "disgusting", "president",
    "africa", "religion", "cartoons", "cinderella", "claim", "rose", "sympathetic", "closer",
    "suffers", "marie", "supernatural", "dollars", "highlight", "parker", "brave",
    "contemporary", "promising", "eight", "serves", "edward", "universe", "suspenseful",
    "baseball", "reveal", "veteran", "alright", "mgm", "columbo", "fairy", "roger", "sympathy",
    "status", "bmovie", "surface", "blah", "princess", "dean", "jon", "placed", "complicated",
    "honor", "mountain", "pitt", "views", "mexican", "reminiscent", "russell", "fourth", "ron",
    "cruel", "murderer", "teeth", "midnight", "subplot", "amazingly", "bollywood",
)
"""The 100 most frequent words of the training and test reviews (152 to 380 times each) that
adapt_texts() does not hold, in any usual reading (as written, lowered, punctuation stripped or
made a space). A vectorizer adapted on those reviews alone, whatever its settings, maps them to
[UNK]; one that adapts on other reviews too (train_texts + test_texts, a global) knows nearly
all of them. tests/test_sentiment.py recomputes the list from the loader."""
MAX_ABSENT_KNOWN = 5
"""make_vectorizer's layer may know this many of them (a custom standardization, stemming,
may turn one into a word the reviews hold)."""

_PUNCTUATION = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"


def adapt_tokens() -> frozenset[str]:
    """Every token of adapt_texts() under the usual readings (as written, lowered, punctuation
    stripped or made a space): the words ABSENT_WORDS are chosen outside of."""
    tokens: set[str] = set()
    for text in adapt_texts():
        lowered = text.lower()
        stripped = lowered.translate(str.maketrans("", "", _PUNCTUATION))
        spaced = lowered.translate(str.maketrans(_PUNCTUATION, " " * len(_PUNCTUATION)))
        for reading in (text, lowered, stripped, spaced):
            tokens.update(reading.split())
    return frozenset(tokens)


VARIANT_WORDS = "movie Movie MOVIE movie. movie, movie!"
"""One common word as written, capitalised, in capitals and with punctuation: a vectorizer
with the default standardization reads all six as one token."""
CASE_VARIANTS = (1, 2)
PUNCTUATION_VARIANTS = (3, 4, 5)


EDGE_TEXTS = ("", "!!! ???", "<br /><br />", "zzqx vvbnm qqwpt")
"""Strings with no known word: the model must still give a probability."""


def standardize(text: str) -> list[str]:
    """TextVectorization's default standardization and split, in Python (ASCII punctuation)."""
    table = str.maketrans("", "", "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'")
    return text.lower().translate(table).split()


# --- the grader's measures of a saved model ----------------------------------------------------

def string_batch(model, texts: list[str]):
    """`texts` as the model's input: shape (n, 1) or (n,) strings, as its Input declares."""
    import tensorflow as tf

    try:
        rank = len(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):  # no declared input
        rank = 2
    strings = tf.constant(list(texts), dtype=tf.string)
    return strings[:, tf.newaxis] if rank == 2 else strings


def probabilities(model, texts: list[str], what: str) -> np.ndarray:
    """The model's outputs for raw `texts`, one number each (batches of 1,000, traced once:
    eagerly, an LSTM over 1,000 steps takes many seconds per thousand reviews on two cores)."""
    import tensorflow as tf

    def run(batch):
        return model(batch, training=False)

    compiled = tf.function(run, autograph=False, reduce_retracing=True)
    out = []
    for start in range(0, len(texts), 1000):
        part = texts[start:start + 1000]
        try:
            values = np.asarray(compiled(string_batch(model, part)))
        except Exception as exc:  # noqa: BLE001 (a model may fail on strings in any way)
            raise lib.cannot_read(model, what, "a batch of raw review strings", exc) from None
        out.append(values.reshape(len(part), -1))
    values = np.concatenate(out)
    expect(values.shape[1] == 1,
           f"{what} should give one number per review (output (None, 1)); it gives "
           f"{values.shape[1]} per review")
    return values[:, 0].astype(np.float64)


_MODELS: dict[tuple, object] = {}
_OUTPUTS: dict[tuple, np.ndarray] = {}


def _file_key(art) -> tuple:
    path = art.saved_file(MODEL_FILE).path  # StudentCodeError if none was submitted
    stat = os.stat(path)
    return str(path), stat.st_size, stat.st_mtime_ns


def saved_model(art):
    """The submitted model, loaded safely once per file (path, size, time) for all checks."""
    key = _file_key(art)
    if key not in _MODELS:
        _MODELS.clear()  # one submission at a time: keep memory flat over a batch
        _OUTPUTS.clear()
        _MODELS[key] = lib.saved_model(art, MODEL_FILE, "the saved model", CAPS)
    return _MODELS[key]


def saved_model_outputs(art, part: str) -> np.ndarray:
    """The saved model's outputs on the holdout ("holdout"), on test_sample() ("test") or on
    the reviews predict_sentiment is called on ("predict"), computed once per file."""
    net = saved_model(art)
    key = (*_file_key(art), part)
    if key not in _OUTPUTS:
        texts = {"holdout": holdout, "test": test_sample, "predict": predict_reviews}[part]()[0]
        _OUTPUTS[key] = probabilities(net, texts, "the saved model")
    return _OUTPUTS[key]


def rounded_to(values: np.ndarray) -> int | None:
    """The fewest decimals, 0 to 2, that all `values` are rounded to; None if they are not:
    a sigmoid's outputs on many reviews never all fall on such a grid."""
    for decimals in range(3):
        scaled = np.asarray(values, dtype=np.float64) * 10 ** decimals
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return decimals
    return None


def accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Share of reviews on the right side of 0.5."""
    return float(np.mean((outputs > 0.5) == (labels == 1)))
