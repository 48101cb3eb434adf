"""The sentiment loader and the hidden checks' reference data (seconds, offline)."""

from __future__ import annotations

import collections
import hashlib
import re

import numpy as np
import pytest

from autograder.checks.sentiment import cases

TRAIN_SHA256 = "1f88778aec083025b6ffff3b6fb9fbae50dc1146495644e3f571f9a56f5bb75a"


@pytest.fixture(scope="module")
def imdb():
    return cases.loader().load_imdb()


def test_loader_is_the_course_copy() -> None:
    # The checks import the very file nbgrader copies into the release.
    assert cases.LOADER_PATH.is_file()
    assert cases.loader().__file__ == str(cases.LOADER_PATH)


def test_split_is_balanced_and_sized(imdb) -> None:
    (train_texts, train_labels), (test_texts, test_labels) = imdb
    assert len(train_texts) == len(train_labels) == 17_902  # 25,000 - 96 duplicates - 7,000
    assert len(test_texts) == len(test_labels) == 4_000
    assert np.bincount(test_labels).tolist() == [2_000, 2_000]
    assert abs(train_labels.mean() - 0.5) < 0.01
    assert np.bincount(cases.reserve()[1]).tolist() == [1_500, 1_500]
    assert np.bincount(cases.holdout()[1]).tolist() == [1_000, 1_000]
    assert all(isinstance(text, str) and text for text in train_texts[:100])


def test_training_split_is_the_one_the_sample_models_learned(imdb) -> None:
    # samples/models/sentiment/ were trained on exactly these reviews, in this order
    digest = hashlib.sha256()
    for text, label in zip(*imdb[0]):
        digest.update(f"{label}\t{text}\n".encode())
    assert digest.hexdigest() == TRAIN_SHA256


def test_split_is_deterministic(imdb) -> None:
    (train_texts, _), (test_texts, _) = cases.loader().load_imdb()
    assert train_texts[:50] == imdb[0][0][:50] and test_texts[-50:] == imdb[1][0][-50:]


def test_splits_and_reserve_are_disjoint_and_the_holdout_is_reserved(imdb) -> None:
    (train_texts, _), (test_texts, _) = imdb
    train, test, reserved = set(train_texts), set(test_texts), set(cases.reserve()[0])
    held = set(cases.holdout()[0])
    assert len(train) == len(train_texts) and len(test) == len(test_texts)
    assert len(reserved) == 3_000 and len(held) == 2_000 and held < reserved
    assert not train & test and not train & reserved and not test & reserved


def test_the_holdout_is_not_the_reserves_first_part() -> None:
    # The loader's order tells nothing of which reserved reviews the grader holds out.
    reserved = cases.loader()._imdb_parts()[2]
    held = set(cases._holdout_index().tolist())
    first = set(reserved[:len(held)].tolist())
    assert 0.55 < len(held & first) / len(held) < 0.8  # about 2/3, as for any random draw


def test_html_breaks_are_cleaned(imdb) -> None:
    assert cases.loader().clean_text("Good.<br /><br />Very  good<BR/>!") == "Good. Very good !"
    texts = imdb[0][0] + imdb[1][0] + cases.reserve()[0]
    assert not any("<br" in text.lower() for text in texts)


def test_rotten_tomatoes_split() -> None:
    (train_texts, _), (test_texts, test_labels) = cases.loader().load_rotten_tomatoes()
    assert np.bincount(test_labels).tolist() == [850, 850]
    assert not set(train_texts) & set(test_texts)
    assert np.median([len(t.split()) for t in train_texts]) < 30


def test_loader_works_offline(monkeypatch) -> None:
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    (train_texts, _), _ = cases.loader().load_rotten_tomatoes()
    assert train_texts


def test_test_only_words_match_the_loader(imdb) -> None:
    # The hidden word list is what the split gives: the 100 most frequent [a-z]+ tokens of the
    # test reviews that no training review has (ties alphabetically).
    (train_texts, _), (test_texts, _) = imdb
    train_words = {w for text in train_texts for w in cases.standardize(text)}
    counts = collections.Counter(w for text in test_texts for w in cases.standardize(text))
    only = sorted(((c, w) for w, c in counts.items()
                   if w not in train_words and re.fullmatch("[a-z]+", w)),
                  key=lambda pair: (-pair[0], pair[1]))
    assert tuple(w for _, w in only[:100]) == cases.TEST_ONLY_WORDS
    assert all(w in train_words for w in cases.TRAIN_COMMON_WORDS)


def test_pre_pad_reference() -> None:
    assert cases.pre_pad([[1, 2], [3, 4, 5, 6]], 3).tolist() == [[0, 1, 2], [4, 5, 6]]
    assert cases.pre_pad([[]], 2).tolist() == [[0, 0]]


def test_vocabularies_tell_train_from_test(imdb) -> None:
    # What the vocabulary check relies on, with Keras' own TextVectorization.
    import keras

    (train_texts, _), (test_texts, _) = imdb
    for texts, most in ((train_texts[:6000], 0), (test_texts, None)):
        vectorizer = keras.layers.TextVectorization(max_tokens=20_000)
        vectorizer.adapt(texts, batch_size=512)
        vocabulary = set(vectorizer.get_vocabulary())
        known = sum(word in vocabulary for word in cases.TEST_ONLY_WORDS)
        if most is not None:
            assert known <= most
        else:
            assert known > 50
        assert all(word in vocabulary for word in cases.TRAIN_COMMON_WORDS)


def test_probe_inputs_avoid_the_holdout() -> None:
    held = set(cases.holdout()[0])
    texts, labels = cases.predict_reviews()
    assert len(texts) == 200 and np.bincount(labels).tolist() == [100, 100]
    assert not held & set(texts)
    assert not held & set(cases.adapt_texts())


def test_absent_words_match_the_loader(imdb) -> None:
    # The 100 most frequent words of both splits that make_vectorizer's reviews lack in any
    # usual reading (ties alphabetically).
    (train_texts, _), (test_texts, _) = imdb
    tokens = cases.adapt_tokens()
    counts = collections.Counter(w for text in train_texts + test_texts
                                 for w in cases.standardize(text) if w not in tokens)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    assert tuple(w for w, _ in ranked[:100]) == cases.ABSENT_WORDS
    assert len(set(cases.adapt_texts())) == 2 * cases.ADAPT_PER_CLASS
    assert len(tokens) < cases.ADAPT_TOKENS


# --- the checks on functions exported in-process -------------------------------------------------

def _vectorizer(texts, **settings):
    import keras

    layer = keras.layers.TextVectorization(max_tokens=10_000, output_sequence_length=1_000,
                                           **settings)
    layer.adapt(texts, batch_size=512)
    return layer


def test_make_vectorizer_is_judged_as_written(check_message, imdb) -> None:
    """A make_vectorizer that adds the test reviews is caught on the grader's reviews, whatever
    vectorizer the notebook made before; one that adapts on its argument passes that part."""
    from autograder.boundary import StudentCodeError
    from autograder.checks.sentiment import test_sentiment as checks

    (train_texts, _), (test_texts, _) = imdb

    def leaky(texts, vocab_size, maxlen):
        return _vectorizer(list(texts) + test_texts[:3000])

    def honest(texts, vocab_size, maxlen):
        return _vectorizer(texts)

    vectorizer = _vectorizer(train_texts)
    message = check_message("sentiment", checks.test_vocabulary_fitted_on_train_only,
                            make_vectorizer=leaky, vectorizer=vectorizer, MAXLEN=1_000)
    assert "adapts on other text than `texts`" in message
    # the honest one passes every part on the notebook's functions and reaches the saved
    # model, which this in-process export has none of
    with pytest.raises(StudentCodeError, match="no sentiment_model.keras"):
        check_message("sentiment", checks.test_vocabulary_fitted_on_train_only,
                      make_vectorizer=honest, vectorizer=vectorizer, MAXLEN=1_000)


def test_standardize_none_is_named(check_message, imdb) -> None:
    from autograder.checks.sentiment import test_sentiment as checks

    (train_texts, _), _ = imdb

    def make_vectorizer(texts, vocab_size, maxlen):
        return _vectorizer(texts)

    # (standardize="lower" keeps the common words at 10,000 tokens: it passes this far)
    message = check_message("sentiment", checks.test_vocabulary_fitted_on_train_only,
                            make_vectorizer=make_vectorizer, MAXLEN=1_000,
                            vectorizer=_vectorizer(train_texts, standardize=None))
    assert "keeps case and punctuation" in message and "train_texts" not in message


def test_padding_is_judged_on_the_layer_that_reads_it() -> None:
    import keras

    from autograder.checks.sentiment import test_sentiment as checks

    def model(*middle, mask=False):
        return keras.Sequential([keras.Input((None,), dtype="int64"),
                                 keras.layers.Embedding(50, 4, mask_zero=mask), *middle,
                                 keras.layers.Dense(1, activation="sigmoid")])

    conv = model(keras.layers.Conv1D(8, 3), keras.layers.GlobalMaxPooling1D())
    backwards = model(keras.layers.LSTM(4, go_backwards=True))
    forwards = model(keras.layers.LSTM(4))
    both = model(keras.layers.Bidirectional(keras.layers.GRU(4)))
    assert checks._reads_padding_last(conv) == []  # no recurrence: the layers check charges it
    assert checks._reads_padding_last(backwards) == []
    assert [type(layer).__name__ for layer in checks._reads_padding_last(forwards)] == ["LSTM"]
    assert checks._declared(checks._reads_padding_last(both)[0]) == "Bidirectional(GRU(4))"
    assert checks._reads_padding_last(model(keras.layers.LSTM(4), mask=True)) == []
