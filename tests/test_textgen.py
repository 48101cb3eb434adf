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


def _pairs_with(target_offset: int, shuffle_ids: bool = False):
    def make_pairs(ids, window, shuffle=False):
        ids = np.asarray(ids)
        if shuffle and shuffle_ids:  # the ids shuffled before the windows are cut
            ids = np.random.default_rng(0).permutation(ids)
        x = np.stack([ids[i:i + window] for i in range(len(ids) - window)])
        y = ids[window - 1 + target_offset:len(ids) - 1 + target_offset]
        if shuffle:  # the pairs shuffled: another order, the same pairs
            order = np.random.default_rng(1).permutation(len(x))
            x, y = x[order], y[order]
        return x, y
    return make_pairs


def test_pair_messages(check_message) -> None:
    test = checks.test_windows_pair_each_window_with_the_next_character
    assert check_message("textgen", test, make_pairs=_pairs_with(1)) == ""
    assert "off by one" in check_message("textgen", test, make_pairs=_pairs_with(0))
    assert "not the ids before" in check_message("textgen", test,
                                                 make_pairs=_pairs_with(1, shuffle_ids=True))


def _generate(model, seed_text, length, temperature, seed):
    """A correct generate for any model of ids (batch, window) -> (batch, 47)."""
    from autograder.checks.textgen.cases import vocabulary

    chars = vocabulary()
    rng = np.random.default_rng(seed)
    ids = [chars.index(c) for c in " " * 8 + seed_text]
    written = ""
    for _ in range(length):
        p = np.asarray(model.predict_on_batch(np.array([ids[-8:]], dtype=np.int32)))[0]
        q = np.asarray(p, dtype=np.float64) ** (1 / temperature)
        index = int(rng.choice(len(q), p=q / q.sum()))
        ids.append(index)
        written += chars[index]
    return written


def _build_model(vocab_size, window, units):
    import keras

    return keras.Sequential([keras.Input((window,), dtype="int32"),
                             keras.layers.Embedding(vocab_size, 4),
                             keras.layers.GRU(units, return_sequences=True),
                             keras.layers.GRU(units),
                             keras.layers.Dense(vocab_size, activation="softmax")])


def _export_without_model(tmp_path, **namespace):
    from autograder.boundary import Artefacts
    from autograder.checks import assignment_probes
    from autograder.sandbox.exporter import export

    names = ("notebook_model", "built", "generated", "generated_again", "generated_other",
             "generated_short", "generated_cool")
    probes = [p for p in assignment_probes("textgen") if p["name"] in names]
    export(probes, str(tmp_path), {"VOCAB_SIZE": 47, "WINDOW": 8, "UNITS": 4, **namespace})
    return Artefacts(tmp_path, probes=probes)


def test_generate_is_judged_without_a_model_of_the_notebook(tmp_path) -> None:
    """No model in the notebook (no file handed in, training stopped): generate runs with one
    model of the notebook's build_model, the same for every probe, and its checks pass."""
    art = _export_without_model(tmp_path, generate=_generate, build_model=_build_model)
    checks.test_generate_writes_length_characters_of_the_vocabulary(art)
    checks.test_generate_is_seeded(art)


def test_without_a_model_a_broken_build_model_is_named(tmp_path) -> None:
    def build_model(vocab_size, window, units):
        raise ValueError("Input 0 of layer lstm_1 is incompatible with the layer")

    art = _export_without_model(tmp_path, generate=_generate, build_model=build_model)
    with pytest.raises(checks.CheckFailed, match="build_model.*fix it first"):
        checks.test_generate_is_seeded(art)


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


def test_an_encode_that_ignores_its_table_is_named(check_message) -> None:
    def right(text, char_to_index):
        return np.array([char_to_index[c] for c in text])

    def own_table(text, char_to_index):
        chars = sorted(set(text))
        return np.array([chars.index(c) for c in text])

    test = checks.test_encode_gives_indices
    assert check_message("textgen", test, encode=right) == ""
    assert "not by the char_to_index it is given" in check_message("textgen", test,
                                                                    encode=own_table)


def test_a_model_without_stacking_is_named_as_declared(check_message) -> None:
    import keras

    def build_model(vocab_size, window, units):
        return keras.Sequential([keras.Input((window,), dtype="int32"),
                                 keras.layers.Embedding(vocab_size, 8),
                                 keras.layers.Bidirectional(keras.layers.LSTM(units)),
                                 keras.layers.Dense(vocab_size, activation="softmax")])

    message = check_message("textgen", checks.test_model_is_stacked_recurrent,
                            build_model=build_model)
    assert "Embedding(29, 8), Bidirectional(LSTM(12)), Dense(29)" in message
