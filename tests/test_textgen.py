"""The textgen loader, the hidden checks' reference data and messages (seconds, offline)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.textgen import cases
from autograder.checks.textgen import test_textgen as checks


@pytest.fixture(scope="module")
def texts():
    return cases.texts()


def test_loader_is_the_course_copy() -> None:
    assert cases.LOADER_PATH.is_file()
    assert cases.loader().__file__ == str(cases.LOADER_PATH)


def test_texts_are_sized_cleaned_and_in_the_alphabet(texts) -> None:
    train, validation = texts
    assert len(train) == cases.loader().TRAIN_CHARS == 1_000_000
    assert 40_000 < len(validation) < 70_000
    alphabet = set(cases.loader().ALPHABET)
    assert set(train) == alphabet and set(validation) <= alphabet
    assert len(cases.vocabulary()) == 47 and list(cases.vocabulary()) == sorted(alphabet)
    for text in (train, validation, *cases.loader()._reserved()):
        assert "<br" not in text and "  " not in text and text == text.lower()
    assert cases.loader().clean_text("Good.<br /><br />Very  GOOD\u2019s \u00e9t\u00e9!") == \
        "good. very good's t!"


def test_the_split_is_deterministic(texts) -> None:
    assert cases.loader().load_text() == texts
    assert texts[0].startswith("this did for crime what not another teen movie did")


def test_reserved_reviews_are_in_neither_text(texts) -> None:
    train, validation = texts
    reserved = cases.loader()._reserved()
    assert len(reserved) == cases.loader().RESERVED_REVIEWS == len(set(reserved))
    assert not any(review in train or review in validation for review in reserved)


def test_the_holdout_comes_from_the_reserve(texts) -> None:
    pieces = cases.holdout_pieces()
    reserve = " ".join(cases.loader()._reserved())
    assert len(pieces) == cases.HOLDOUT_PIECES
    for piece in pieces:
        assert len(piece) == cases.CONTEXT + cases.HOLDOUT_TARGETS and piece in reserve
        assert piece[cases.CONTEXT:cases.CONTEXT + 50] not in texts[0]
    # not the reserve's first characters: the loader's order does not tell them
    assert reserve.find(pieces[0]) > 0


def test_baselines_are_far_apart() -> None:
    unigram, bigram = cases.baselines()
    assert 4.0 < unigram < 4.5 and 3.2 < bigram < 3.7


def test_reference_pairs_and_distributions() -> None:
    x, y = cases.pairs([1, 2, 3, 4, 5], 2)
    assert x.tolist() == [[1, 2], [2, 3], [3, 4]] and y.tolist() == [3, 4, 5]
    q = cases.expected(cases.DISTRIBUTION, 0.5)
    assert q[-1] == 0 and abs(q.sum() - 1) < 1e-12
    assert cases.entropy(q) < cases.entropy(np.asarray(cases.DISTRIBUTION)) < \
        cases.entropy(cases.expected(cases.DISTRIBUTION, 2.0))
    assert max(cases.COLD) / sorted(cases.COLD)[-2] > 1.05
    assert abs(sum(cases.MODEL_LIKE) - 1) < 1e-4 and len(cases.MODEL_LIKE) == 47


def _first_seen(text):
    chars = list(dict.fromkeys(text))
    return chars, {c: i for i, c in enumerate(chars)}, dict(enumerate(chars))


def _sorted(text):
    chars = sorted(set(text))
    return chars, {c: i for i, c in enumerate(chars)}, dict(enumerate(chars))


def test_vocabulary_messages(check_message) -> None:
    test = checks.test_vocabulary_sorted_and_invertible
    assert check_message("textgen", test, build_vocabulary=_sorted) == ""
    assert "first appear" in check_message("textgen", test, build_vocabulary=_first_seen)


def _pairs_with(target_offset: int):
    def make_pairs(ids, window):
        ids = np.asarray(ids)
        x = np.stack([ids[i:i + window] for i in range(len(ids) - window)])
        return x, ids[window - 1 + target_offset:len(ids) - 1 + target_offset]
    return make_pairs


def test_pair_messages(check_message) -> None:
    test = checks.test_windows_pair_each_window_with_the_next_character
    assert check_message("textgen", test, make_pairs=_pairs_with(1)) == ""
    assert "off by one" in check_message("textgen", test, make_pairs=_pairs_with(0))


def _sampler(transform):
    def sample_many(probabilities, temperature, n, seed):
        if not np.isfinite(temperature) or temperature <= 0:
            raise ValueError("bad temperature")
        rng = np.random.default_rng(seed)
        q = transform(np.asarray(probabilities, dtype=np.float64), temperature)
        q = q / q.sum()
        return np.array([rng.choice(len(q), p=q) for _ in range(n)])
    return sample_many


def test_sample_messages(check_message) -> None:
    right = _sampler(lambda p, t: p ** (1 / t))
    ignored = _sampler(lambda p, t: p * t)
    inverted = _sampler(lambda p, t: p ** t)
    for test in (checks.test_sample_follows_the_distribution,
                 checks.test_sample_temperature_reshapes, checks.test_sample_near_zero_is_argmax,
                 checks.test_sample_rejects_bad_temperature):
        assert check_message("textgen", test, sample_many=right) == "", test.__name__
    reshapes = checks.test_sample_temperature_reshapes
    assert "no effect" in check_message("textgen", reshapes, sample_many=ignored)
    assert "wrong way round" in check_message("textgen", reshapes, sample_many=inverted)
