"""Hidden checks of the textgen assignment: the vocabulary, the training pairs, sampling with a
temperature, writing, the stacked model, and the saved model's bits per character on reviews
the grader keeps to itself."""

from __future__ import annotations

import numpy as np

from autograder.boundary import Artefacts, StudentCodeError
from autograder.checks import lib
from autograder.checks.lib import CheckFailed, check, describe, expect
from autograder.checks.textgen import cases
from course_config import ASSIGNMENTS

THRESHOLDS = ASSIGNMENTS["textgen"].thresholds
_NO_PARAMS = ("Dropout", "SpatialDropout1D", "GaussianNoise", "Activation", "Masking")


# --- helpers ----------------------------------------------------------------------------------

def _strings(got, what: str) -> list:
    """A list, tuple or string array the student returned, as a list."""
    if isinstance(got, np.ndarray) and got.dtype.kind == "U" and got.ndim == 1:
        return got.tolist()
    expect(isinstance(got, (list, tuple)), f"{what} should be a list of characters; it is "
                                           f"{describe(got)}")
    return list(got)


def _draws(art: Artefacts, name: str, size: int, count: int) -> np.ndarray:
    got = lib.array(art, name, "sample_many (the notebook's loop over sample)")
    lib.expect_shape(got, (count,), f"{count} draws of sample")
    expect(got.dtype.kind in "iu", f"sample should return integer indices; the draws have dtype "
                                   f"{lib.dtype_text(got.dtype)}")
    outside = int(np.sum((got < 0) | (got >= size)))
    expect(outside == 0, f"{lib.count_text(outside, count)} of {count} draws are not indices "
                         "of the probabilities "
                         f"(0 to {size - 1})")
    return got


def _frequencies(draws: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(draws, minlength=size) / len(draws)


def _text(art: Artefacts, name: str, length: int) -> str:
    got = lib.value(art, name)
    expect(isinstance(got, str),
           f"generate should return a string; it returned {describe(got, near=(length,))}")
    return got


def _flat_layers(net) -> list:
    out = []
    for layer in net.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if hasattr(layer, "layers") and type(layer).__name__ in ("Sequential", "Functional"):
            out.extend(_flat_layers(layer))
        else:
            out.append(layer)
    return out


def _check_language_model(net, what: str, vocab: int) -> None:
    """Two or more stacked recurrent layers, a softmax over `vocab` characters, and the formula's
    parameter count."""
    stack = _flat_layers(net)
    kinds = [lib.layer_kind(layer) for layer in stack]
    recurrent = [layer for layer in stack if lib.layer_kind(layer) in lib.RECURRENT_LAYERS]
    expect(len(recurrent) >= 2,
           f"{what} should stack two recurrent layers (LSTM, GRU or SimpleRNN); its layers are "
           f"{kinds}")
    first = lib.inner(recurrent[0])
    expect(bool(getattr(first, "return_sequences", False)),
           f"the first recurrent layer of {what} should return its whole sequence "
           "(return_sequences=True) for the next one to read")
    shape = lib.output_shape(net)
    expect(shape == (None, vocab),
           f"{what} should output one probability per character, shape (None, {vocab}); it "
           f"outputs {shape}")
    last = lib.inner(stack[-1])
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    expect(kinds[-1] == "Dense" and activation == "softmax",
           f"{what} should end with Dense({vocab}, activation=\"softmax\"); its last layer is "
           f"{kinds[-1]} with activation {activation!r}")
    declared = lib.input_shape(net)
    # (None, window) reads indices: an Embedding or a one-hot encoding turns them into numbers
    features = declared[-1] if declared is not None and len(declared) == 3 else None
    lib.expect_params(net, stack, features, what)



def _window(art: Artefacts, net) -> int:
    try:
        fallback = lib.value(art, "window")
    except StudentCodeError:
        fallback = None
    if not isinstance(fallback, int) or isinstance(fallback, bool):
        fallback = None
    return cases.window_of(net, fallback)


# --- the vocabulary ----------------------------------------------------------------------------

@check(2, "build_vocabulary should list the distinct characters sorted, with both mappings.")
def test_vocabulary_sorted_and_invertible(art: Artefacts) -> None:
    for i, text in enumerate(cases.VOCAB_TEXTS):
        what = f"build_vocabulary of a text of {len(text)} characters"
        got = lib.value(art, f"vocabulary_{i}")
        expect(isinstance(got, (list, tuple)) and len(got) == 3,
               f"{what} should return (chars, char_to_index, index_to_char); it returned "
               f"{describe(got)}")
        chars, to_index, to_char = got
        chars = _strings(chars, f"chars of {what}")
        want = sorted(set(text))
        expect(len(chars) == len(want),
               f"chars of {what} has {lib.count_text(len(chars), len(want))} entries; the text "
               f"has {len(want)} distinct "
               "characters (each once)")
        if chars != want:
            expect(set(chars) != set(want) or chars != list(dict.fromkeys(text)),
                   f"chars of {what} lists the characters in the order they first appear: sort "
                   "them (sorted(set(text))), so the indices do not depend on the text's order")
            raise CheckFailed(f"chars of {what} holds the wrong characters or is not sorted")
        expect(isinstance(to_index, dict) and to_index == {c: k for k, c in enumerate(want)},
               f"char_to_index of {what} should map each character to its position in chars")
        expect(isinstance(to_char, dict) and to_char == dict(enumerate(want)),
               f"index_to_char of {what} should map each index back to its character")


@check(1, "encode should give the index of each character, as an integer array.")
def test_encode_gives_indices(art: Artefacts) -> None:
    text = cases.ENCODE_TEXT
    got = lib.array(art, "encoded", "encode")
    mapping = {char: i for i, char in enumerate(sorted(set(text)))}
    want = np.array([mapping[c] for c in text])
    what = f"encode of a text of {len(text)} characters"
    expect(got.dtype.kind in "iu",
           f"{what} should give integers; it gives dtype {lib.dtype_text(got.dtype)}")
    lib.expect_equal_arrays(got, want, what)


# --- the training pairs --------------------------------------------------------------------------

@check(2, "make_dataset should pair every window with the character right after it.")
def test_windows_pair_each_window_with_the_next_character(art: Artefacts) -> None:
    for i, (ids, window) in enumerate(cases.PAIR_CASES):
        what = f"make_pairs of {len(ids)} ids with a window of {window}"
        got = lib.value(art, f"pairs_{i}")
        expect(isinstance(got, (list, tuple)) and len(got) == 2,
               f"{what} should give (x, y); it gave {describe(got)}")
        x, y = (np.asarray(v) if isinstance(v, np.ndarray) else v for v in got)
        expect(isinstance(x, np.ndarray) and isinstance(y, np.ndarray),
               f"{what} should give two arrays")
        want_x, want_y = cases.pairs(ids, window)
        if x.ndim == 2 and x.shape[1] == window and len(x) == len(want_x) + 1:
            raise CheckFailed(f"{what} gives {len(x)} pairs, one more than the "
                              f"{len(want_x)} windows that have a next character")
        lib.expect_shape(x, want_x.shape, f"x of {what}")
        lib.expect_shape(y, want_y.shape, f"y of {what}")
        expect(np.array_equal(x, want_x),
               f"the windows x of {what} are not the {window} ids starting at each position, "
               "in order")
        if not np.array_equal(y, want_y):
            expect(not np.array_equal(y, want_x[:, -1]),
                   f"the targets y of {what} are the last id of each window, which the model "
                   "already reads: the target is the id right after the window (off by one)")
            raise CheckFailed(f"the targets y of {what} are not the id right after each window")


# --- the model --------------------------------------------------------------------------------------

@check(2, "build_model and the saved model should be Embedding (or one-hot) -> two stacked "
          "recurrent layers -> Dense softmax over the vocabulary.")
def test_model_is_stacked_recurrent(art: Artefacts) -> None:
    vocab, window, units = cases.BUILD
    net = lib.model(art, "built", f"build_model({vocab}, {window}, {units})", cases.CAPS)
    what = f"the model of build_model({vocab}, {window}, {units})"
    _check_language_model(net, what, vocab)
    recurrent = [lib.inner(layer) for layer in _flat_layers(net)
                 if lib.layer_kind(layer) in lib.RECURRENT_LAYERS]
    expect(all(layer.units == units for layer in recurrent),
           f"the recurrent layers of {what} should have {units} units each; they have "
           f"{[layer.units for layer in recurrent]}")
    declared = lib.input_shape(net)
    expect(declared is not None and declared[1] in (window, None),
           f"{what} should read windows of {window} characters; it declares inputs of shape "
           f"{declared}")
    _check_language_model(cases.saved_model(art), "the saved model", len(cases.vocabulary()))


# --- sample -------------------------------------------------------------------------------------------

def _tv(frequencies: np.ndarray, want: np.ndarray) -> float:
    return float(0.5 * np.abs(frequencies - want).sum())


@check(2, "At temperature 1, sample should draw from the model's probabilities themselves.")
def test_sample_follows_the_distribution(art: Artefacts) -> None:
    p = np.asarray(cases.DISTRIBUTION)
    draws = _draws(art, "draws_0", len(p), cases.DRAWS)
    freq = _frequencies(draws, len(p))
    expect(freq[-1] == 0, "sample drew an index whose probability is 0")
    if np.all(draws == np.argmax(p)):
        raise CheckFailed(f"at temperature 1 all {cases.DRAWS:,} draws are the most likely "
                          "index: that is the argmax, not a draw from the probabilities")
    distance = _tv(freq, p)
    expect(distance <= cases.MAX_TV,
           f"at temperature 1, {cases.DRAWS:,} draws should follow the probabilities; their "
           f"frequencies are {lib.share_text(distance)} away in total variation (at most "
           f"{cases.MAX_TV} "
           "expected)")
    again = _draws(art, "draws_again", len(p), 200)
    expect(np.array_equal(again, draws[:200]),
           "two rngs made with the same seed should give the same draws: use the rng you are "
           "given, not NumPy's global random functions")
    model_like = _draws(art, "draws_model_like", len(cases.MODEL_LIKE), cases.MODEL_LIKE_DRAWS)
    want = np.asarray(cases.MODEL_LIKE, dtype=np.float64)
    want = want / want.sum()
    distance = _tv(_frequencies(model_like, len(want)), want)
    expect(distance <= 0.08,
           f"draws from float32 probabilities over {len(want)} characters (a model's output) "
           f"are {lib.share_text(distance)} away from them in total variation")


def _reshaped(art: Artefacts, index: int) -> None:
    p = np.asarray(cases.DISTRIBUTION)
    temperature = cases.TEMPERATURES[index]
    draws = _draws(art, f"draws_{index}", len(p), cases.DRAWS)
    freq = _frequencies(draws, len(p))
    want = cases.expected(p, temperature)
    distance = _tv(freq, want)
    if distance <= cases.MAX_TV:
        return
    got, plain, aimed = cases.entropy(freq), cases.entropy(p), cases.entropy(want)
    if abs(got - plain) < 0.02 and _tv(freq, p) <= cases.MAX_TV:
        raise CheckFailed(f"at temperature {temperature} the draws follow the probabilities "
                          "unchanged: the temperature has no effect (multiplying p by T and "
                          "renormalising changes nothing). Reweight p ** (1 / T)")
    if (got - plain) * (aimed - plain) < 0:
        raise CheckFailed(f"at temperature {temperature} the draws are "
                          f"{'flatter' if got > plain else 'sharper'} than the probabilities, "
                          f"the wrong way round: {lib.value_text(got, plain, aimed)} bits of "
                          "entropy, where p has "
                          f"{plain:.2f} and p ** (1 / T) renormalised {aimed:.2f}. Divide the "
                          "log-probabilities by T (p ** (1 / T)), do not multiply")
    raise CheckFailed(f"at temperature {temperature} the draws should follow p ** (1 / T) "
                      f"renormalised; their frequencies are {lib.share_text(distance)} away in "
                      f"total variation (entropy {lib.value_text(got, plain, aimed)} bits, "
                      f"expected {aimed:.2f})")


@check(2, "sample should sharpen the probabilities below temperature 1 and flatten them above.")
def test_sample_temperature_reshapes(art: Artefacts) -> None:
    _reshaped(art, 1)
    _reshaped(art, 2)


@check(1, "Near temperature 0, sample should always give the most likely index.")
def test_sample_near_zero_is_argmax(art: Artefacts) -> None:
    p = np.asarray(cases.COLD)
    draws = _draws(art, "draws_cold", len(p), cases.COLD_DRAWS)
    share = float(np.mean(draws == np.argmax(p)))
    expect(share >= cases.COLD_SHARE,
           f"at temperature {cases.COLD_TEMPERATURE} the most likely index should come out "
           f"(almost) every time; it came out in {lib.share_text(share, percent=True)} of "
           f"{cases.COLD_DRAWS} draws")


@check(1, "sample should raise ValueError for a temperature that is not a positive number.")
def test_sample_rejects_bad_temperature(art: Artefacts) -> None:
    lib.works_on_valid_input(art, "draws_0", "a temperature of 1")
    for i, temperature in enumerate(cases.BAD_TEMPERATURES):
        lib.expect_raises(art, f"draws_bad_{i}", "ValueError",
                          f"sample with temperature {temperature}")


# --- generate ------------------------------------------------------------------------------------------

@check(1, "generate should return exactly `length` new characters, all from the vocabulary.")
def test_generate_writes_length_characters_of_the_vocabulary(art: Artefacts) -> None:
    known = set(cases.vocabulary())
    for name, length in (("generated", cases.GENERATE_LENGTH), ("generated_short", 12),
                         ("generated_cool", cases.FOLLOW_LENGTH)):
        text = _text(art, name, length)
        seeded = cases.SHORT_SEED if name == "generated_short" else ""
        if len(text) > length and seeded and text.startswith(seeded):
            raise CheckFailed("generate returns the seed text too: return only the new "
                              "characters")
        expect(len(text) == length,
               f"generate(..., length={length}, ...) returned "
               f"{lib.count_text(len(text), length)} characters; it "
               f"should return the {length} new ones only (not the seed text)")
        strangers = len(set(text) - known)
        expect(strangers == 0, f"generate wrote {lib.count_text(strangers)} character(s) that "
                               "are not in the "
                               "vocabulary")


@check(1, "generate should write the same text for the same seed and another for another seed.")
def test_generate_is_seeded(art: Artefacts) -> None:
    first = _text(art, "generated", cases.GENERATE_LENGTH)
    again = _text(art, "generated_again", cases.GENERATE_LENGTH)
    other = _text(art, "generated_other", cases.GENERATE_LENGTH)
    expect(first == again,
           "generate called twice with the same seed wrote two different texts: draw with "
           "np.random.default_rng(seed), not NumPy's global generator")
    expect(first != other,
           f"generate wrote the same {lib.count_text(len(first), cases.GENERATE_LENGTH)} "
           "characters at temperature 1 with two "
           "different seeds: the seed (or the temperature) is not used to draw, or the model "
           "is certain of every next character (a model that copies what it reads is)")


@check(1, "generate should write what the model predicts, one character after another.")
def test_generate_follows_the_model(art: Artefacts) -> None:
    text = _text(art, "generated_cool", cases.FOLLOW_LENGTH)
    expect(len(text) == cases.FOLLOW_LENGTH and set(text) <= set(cases.vocabulary()),
           f"generate(..., length={cases.FOLLOW_LENGTH}, ...) should return "
           f"{cases.FOLLOW_LENGTH} characters of the vocabulary to compare with the model")
    net = cases.saved_model(art)
    window = _window(art, net)
    got = lib.measure("generated_bits", cases.text_bits(net, cases.SEED_TEXTS[1], text, window))
    bound = THRESHOLDS["follow_bits"]
    expect(got <= bound,
           f"text written at temperature {cases.FOLLOW_TEMPERATURE} costs the saved model "
           f"{lib.value_text(got, bound)} bits per character, where text drawn from its own "
           "predictions costs at "
           f"most {bound}: each character should be drawn from the model's probabilities for "
           f"the last {window} characters written")


# --- the saved model, measured by the grader -----------------------------------------------------------

@check(4, "The saved model should predict review text it has never seen clearly better than "
          "the unigram and bigram baselines.")
def test_saved_model_bits_per_character(art: Artefacts) -> None:
    net = cases.saved_model(art)
    window = _window(art, net)
    got = lib.measure("holdout_bits", cases.saved_model_bits(art, "holdout", window))
    unigram, bigram = cases.baselines()
    lib.measure("unigram_bits", unigram)
    lib.measure("bigram_bits", bigram)
    bound = THRESHOLDS["holdout_bits"]
    targets = cases.HOLDOUT_PIECES * cases.HOLDOUT_TARGETS
    expect(got <= bound,
           f"on {targets:,} characters of reviews no one trained on, the saved model needs "
           f"{got:.3f} bits per character; at most {bound} is needed (the unigram baseline "
           f"needs {unigram:.3f}, the bigram {bigram:.3f}): train longer, or check that the "
           "targets are the characters after each window")
