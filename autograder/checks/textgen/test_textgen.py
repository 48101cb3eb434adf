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


def _notebook_has_model(art: Artefacts) -> bool:
    """Whether the notebook defines `model` (else generate ran with one of its build_model)."""
    try:
        art.get("notebook_model")
    except StudentCodeError as exc:
        return "does not define model" not in str(exc)
    return True


def _text(art: Artefacts, name: str, length: int) -> str:
    try:
        got = lib.value(art, name)
    except StudentCodeError as exc:
        if _notebook_has_model(art):
            raise
        try:
            lib.value(art, "built")
        except StudentCodeError:
            raise CheckFailed("the notebook has no model (its training cell did not run to the "
                              "end), and build_model, which the grader then asks for one to "
                              "run generate with, fails (see its check): fix it first") from None
        raise CheckFailed(f"generate, run with a model of your build_model (the notebook has "
                          f"no model of its own), failed: {exc}") from None
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
           f"{', '.join(lib.declared(layer) for layer in stack)}")
    first = lib.inner(recurrent[0])
    expect(bool(getattr(first, "return_sequences", False)),
           f"the first recurrent layer of {what}, {lib.declared(recurrent[0])}, should return "
           "its whole sequence (return_sequences=True) for the next one to read")
    shape = lib.output_shape(net)
    expect(shape == (None, vocab),
           f"{what} should output one probability per character, shape (None, {vocab}); it "
           f"outputs {shape}")
    last = lib.inner(stack[-1])
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    expect(kinds[-1] == "Dense" and activation == "softmax",
           f"{what} should end with Dense({vocab}, activation=\"softmax\"); its last layer is "
           f"{lib.declared(stack[-1])} with activation {activation!r}")
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

@check(2, "build_vocabulary should list the distinct characters sorted, with both mappings.",
       differently=("chars as a list, a tuple or a 1-D string array; sorted(set(text)), "
                    "sorted(dict.fromkeys(text)), a Counter's keys sorted; both mappings by "
                    "comprehension, dict(zip(...)) or dict(enumerate(...)): compared by value "
                    "with the sorted characters of four hidden texts."),
       cheapest_wrong=("list(set(text)) is sorted only by chance: the hidden texts put "
                       "punctuation before letters, repeat characters and hold non-ASCII ones, "
                       "and first-seen order is named. A model trained with another numbering "
                       "also fails the bits check, whose message then names build_vocabulary "
                       "(mistake-vocabulary-first-seen)."))
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


@check(1, "encode should give the index of each character, as an integer array.",
       differently=("A list comprehension into np.array, np.fromiter, a lookup array indexed by "
                    "the codes: any integer dtype passes. The table is the grader's own, so "
                    "encode is judged apart from build_vocabulary."),
       cheapest_wrong=("An encode that ignores its table and numbers the characters itself by "
                       "sorted(set(text)): the hidden table is in another order, with characters "
                       "the text lacks, and that mistake is named. Float indices are named by "
                       "their dtype."))
def test_encode_gives_indices(art: Artefacts) -> None:
    text = cases.ENCODE_TEXT
    got = lib.array(art, "encoded", "encode")
    want = np.array([cases.ENCODE_MAPPING[c] for c in text])
    what = f"encode of a text of {len(text)} characters"
    expect(got.dtype.kind in "iu",
           f"{what} should give integers; it gives dtype {lib.dtype_text(got.dtype)}")
    if got.shape == want.shape and not np.array_equal(got, want):
        own = {char: i for i, char in enumerate(sorted(set(text)))}
        expect(not np.array_equal(got, [own[c] for c in text]),
               f"{what} numbers the characters by its own sorted vocabulary, not by the "
               "char_to_index it is given: look each character up in that table")
    lib.expect_equal_arrays(got, want, what)


# --- the training pairs --------------------------------------------------------------------------

@check(2, "make_dataset should pair every window with the character right after it.",
       differently=("Dataset.window with flat_map (the solution, with or without drop_remainder "
                    "in the inner batch), timeseries_dataset_from_array "
                    "(correct-timeseries-dataset), sliding_window_view into from_tensor_slices "
                    "with whole batches shuffled (correct-sliding-window-pipeline): in order the "
                    "pairs must match exactly, shuffled only as a multiset, so any buffer, seed "
                    "or shuffling of batches passes."),
       cheapest_wrong=("A make_dataset right without shuffle and wrong with it (the ids shuffled "
                       "before the windows are cut, x shuffled apart from y): make_dataset runs "
                       "as training calls it, shuffle=True, and every pair must be a piece of the"
                       " ids with its next id (mistake-shuffle-before-windows). Targets off by "
                       "one and one window too many are named."))
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
    for i, (ids, window) in enumerate(cases.PAIR_CASES):
        _same_pairs_shuffled(art, i, ids, window)


def _same_pairs_shuffled(art: Artefacts, i: int, ids: list[int], window: int) -> None:
    """make_dataset(..., shuffle=True), as training reads it: the same (window, next id) pairs,
    each once, in any order."""
    what = f"make_pairs(..., shuffle=True) of {len(ids)} ids with a window of {window}"
    try:
        got = lib.value(art, f"shuffled_pairs_{i}")
    except StudentCodeError as exc:
        raise CheckFailed(f"{what} failed ({exc}): training reads make_dataset with "
                          "shuffle=True") from None
    want_x, want_y = cases.pairs(ids, window)
    expect(isinstance(got, (list, tuple)) and len(got) == 2
           and all(isinstance(v, np.ndarray) for v in got),
           f"{what} should give (x, y), two arrays; it gave {describe(got)}")
    x, y = got
    lib.expect_shape(x, want_x.shape, f"x of {what}")
    lib.expect_shape(y, want_y.shape, f"y of {what}")
    rows = sorted(map(tuple, np.column_stack([x, y]).tolist()))
    want = sorted(map(tuple, np.column_stack([want_x, want_y]).tolist()))
    if rows == want:
        return
    pieces = {tuple(ids[k:k + window + 1]) for k in range(len(ids) - window)}
    kept = sum(row in pieces for row in rows)
    raise CheckFailed(f"with shuffle=True, {lib.count_text(len(rows) - kept, len(rows))} of the "
                      f"{len(rows)} pairs of {what.split(' of ', 1)[1]} are not a piece of the "
                      "ids followed by its next id: shuffle the (window, next id) pairs once "
                      "they are cut (Dataset.shuffle after the windows), not the ids before, and "
                      "never x apart from y")


# --- the model --------------------------------------------------------------------------------------

@check(2, "build_model should be Embedding (or one-hot) -> two stacked recurrent layers -> "
          "Dense softmax over the vocabulary.",
       differently=("Sequential or Functional, nested models, LSTM, GRU or SimpleRNN, "
                    "Bidirectional ones, an Embedding or a one-hot encoding (CategoryEncoding, or"
                    " 3-axis one-hot inputs), Dropout: the check reads layer kinds, "
                    "return_sequences, the output, the softmax and the parameter count by formula"
                    " from each layer's settings; an input length of None is accepted."),
       cheapest_wrong=("One recurrent layer is named by its layer list; a first layer without "
                       "return_sequences cannot even be built "
                       "(mistake-first-layer-without-sequences); sizes kept from the notebook "
                       "fail because the grader builds at its own (29, 17, 12). The saved model's"
                       " layers are judged by the bits check, which reads the file, so a missing "
                       "file does not cost this one."))
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


# --- sample -------------------------------------------------------------------------------------------

def _tv(frequencies: np.ndarray, want: np.ndarray) -> float:
    return float(0.5 * np.abs(frequencies - want).sum())


@check(2, "At temperature 1, sample should draw from the model's probabilities themselves.",
       differently=("rng.choice with p, an inverse CDF with rng.random "
                    "(correct-softmax-cumsum-sampling), rng.multinomial "
                    "(correct-keras-io-sample-with-rng), the Gumbel-max trick "
                    "(correct-gumbel-max-sampling): the draws are judged by their frequencies "
                    "(total variation 0.02 over 20,000) and by repeating for one seed, never "
                    "against rng.choice's own draws."),
       cheapest_wrong=("Always the argmax (named); NumPy's global generator, as keras-io's "
                       "sample() draws, gives draws that do not repeat for a seed (named: "
                       "mistake-keras-io-sample-global-random); float32 probabilities left "
                       "unnormalised are refused by rng.choice on the model-like case."))
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


@check(2, "sample should sharpen the probabilities below temperature 1 and flatten them above.",
       differently=("p ** (1 / T) renormalised, a softmax of log p / T shifted by its maximum, "
                    "Gumbel-max on log p / T: any exact reweighting lands within total variation "
                    "0.02 at T = 0.5 and T = 2."),
       cheapest_wrong=("p * T renormalised changes nothing (named: no effect); p ** T reweights "
                       "the wrong way (named, with the entropies); a reweighting right at one "
                       "temperature only is caught at the other."))
def test_sample_temperature_reshapes(art: Artefacts) -> None:
    _reshaped(art, 1)
    _reshaped(art, 2)


@check(1, "Near temperature 0, sample should always give the most likely index.",
       differently=("Reweighting in logarithms, or p ** 100 in float64, gives the argmax at T = "
                    "0.01 about every time; an explicit argmax below some small temperature "
                    "passes too."),
       cheapest_wrong=("A sample that ignores the temperature gives the argmax about a third of "
                       "the time; p ** (1 / T) in float32 underflows for small T (the notebook's "
                       "warning) and fails on NaN."))
def test_sample_near_zero_is_argmax(art: Artefacts) -> None:
    p = np.asarray(cases.COLD)
    draws = _draws(art, "draws_cold", len(p), cases.COLD_DRAWS)
    share = float(np.mean(draws == np.argmax(p)))
    expect(share >= cases.COLD_SHARE,
           f"at temperature {cases.COLD_TEMPERATURE} the most likely index should come out "
           f"(almost) every time; it came out in {lib.share_text(share, percent=True)} of "
           f"{cases.COLD_DRAWS} draws")


@check(1, "sample should raise ValueError for a temperature that is not a positive number.",
       differently=("`not np.isfinite(t) or t <= 0`, `not (t > 0 and math.isfinite(t))`, a chain "
                    "of ifs: any ValueError with any message (it is not read)."),
       cheapest_wrong=("Raising for every temperature: the check first asks for draws at T = 1 "
                       "(works_on_valid_input). Testing `t <= 0` alone lets NaN and infinity "
                       "through: both are cases (mistake-sample-accepts-any-temperature drops the"
                       " test)."))
def test_sample_rejects_bad_temperature(art: Artefacts) -> None:
    lib.works_on_valid_input(art, "draws_0", "a temperature of 1")
    for i, temperature in enumerate(cases.BAD_TEMPERATURES):
        lib.expect_raises(art, f"draws_bad_{i}", "ValueError",
                          f"sample with temperature {temperature}")


# --- generate ------------------------------------------------------------------------------------------

@check(1, "generate should return exactly `length` new characters, all from the vocabulary.",
       differently=("The text kept as a string or as ids, predict_on_batch or predict, a short "
                    "seed padded with spaces or any vocabulary character: only the length and "
                    "alphabet of what it returns are asked. It runs with the notebook's model or,"
                    " where the notebook has none (no file handed in), with a model of its own "
                    "build_model, so a missing file does not cost it."),
       cheapest_wrong=("return 'a' * length passes here and is charged by generate_is_seeded (the"
                       " same text for two seeds) and generate_follows_the_model (text the model "
                       "would not write); returning the seed text as well is named "
                       "(mistake-generate-returns-seed-text)."))
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


def _sample_repeats(art: Artefacts) -> bool:
    """Whether sample, given two rngs of one seed, draws the same (else generate cannot)."""
    try:
        first = lib.value(art, "draws_0")
        again = lib.value(art, "draws_again")
    except StudentCodeError:
        return True  # nothing known against sample: generate's own message applies
    return (isinstance(first, np.ndarray) and isinstance(again, np.ndarray)
            and np.array_equal(first[:len(again)], again))


@check(1, "generate should write the same text for the same seed and another for another seed.",
       differently=("One np.random.default_rng(seed) for all draws through any correct sample, "
                    "the rng made inside or passed on: the same seed must write the same text, "
                    "another seed another one, with the notebook's model or an untrained one of "
                    "build_model (both give varied draws at T = 1)."),
       cheapest_wrong=("A fresh unseeded generator per character (named: "
                       "mistake-generate-global-rng); argmax sampling writes one text for every "
                       "seed (named); a generate that passes its rng to a sample ignoring it "
                       "fails with sample named as the cause."))
def test_generate_is_seeded(art: Artefacts) -> None:
    first = _text(art, "generated", cases.GENERATE_LENGTH)
    again = _text(art, "generated_again", cases.GENERATE_LENGTH)
    other = _text(art, "generated_other", cases.GENERATE_LENGTH)
    expect(first == again,
           "generate called twice with the same seed wrote two different texts"
           + (" because sample ignores the rng it is given (see its check): fix it first"
              if not _sample_repeats(art) else
              ": draw with np.random.default_rng(seed), not NumPy's global generator"))
    expect(first != other,
           f"generate wrote the same {lib.count_text(len(first), cases.GENERATE_LENGTH)} "
           "characters at temperature 1 with two "
           "different seeds: the seed (or the temperature) is not used to draw, or the model "
           "is certain of every next character (a model that copies what it reads is)")


@check(1, "generate should write what the model predicts, one character after another, at the "
          "temperature it is given.",
       differently=("Any generate that draws each character from the model's tempered "
                    "probabilities for the last WINDOW characters passes: the cost of its text at"
                    " T = 0.5 under the saved model is bounded loosely (7 bits; T = 2 costs about"
                    " 5), and at T = 0.05 at least 80% of 60 characters must be the model's "
                    "argmax, near ties leaving room for a few others."),
       cheapest_wrong=("Characters drawn without the model cost about 10 bits; a generate that "
                       "draws at temperature 1 whatever it is given writes the argmax about half "
                       "the time at T = 0.05 (mistake-generate-ignores-temperature); when sample "
                       "is what ignores the temperature, the message names sample."))
def test_generate_follows_the_model(art: Artefacts) -> None:
    text = _text(art, "generated_cool", cases.FOLLOW_LENGTH)
    expect(len(text) == cases.FOLLOW_LENGTH and set(text) <= set(cases.vocabulary()),
           f"generate(..., length={cases.FOLLOW_LENGTH}, ...) should return "
           f"{cases.FOLLOW_LENGTH} characters of the vocabulary to compare with the model")
    net = cases.saved_model(art)
    expect(_notebook_has_model(art),
           "the notebook has no model although a model file was handed in (did the cell that "
           "loads it fail?), so generate could only run with an untrained model of "
           "build_model, whose text the saved model cannot be expected to predict")
    window = _window(art, net)
    got = lib.measure("generated_bits", cases.text_bits(net, cases.SEED_TEXTS[1], text, window))
    bound = THRESHOLDS["follow_bits"]
    said = (f"text written at temperature {cases.FOLLOW_TEMPERATURE} costs the saved model "
            f"{lib.value_text(got, bound)} bits per character, where text drawn from its own "
            f"predictions costs at most {bound}")
    if got > bound:
        try:
            test_vocabulary_sorted_and_invertible(art)
        except (CheckFailed, StudentCodeError):
            raise CheckFailed(f"{said}, because build_vocabulary numbers the characters "
                              "otherwise than the sorted vocabulary the grader reads the text "
                              "with (see its check): fix it first") from None
        raise CheckFailed(f"{said}: each character should be drawn from the model's "
                          f"probabilities for the last {window} characters written")
    cold = _text(art, "generated_cold", cases.COLD_GENERATE_LENGTH)
    expect(len(cold) == cases.COLD_GENERATE_LENGTH and set(cold) <= set(cases.vocabulary()),
           f"generate(..., length={cases.COLD_GENERATE_LENGTH}, ...) should return "
           f"{cases.COLD_GENERATE_LENGTH} characters of the vocabulary to compare with the model")
    share = lib.measure("cold_argmax_share",
                        cases.argmax_share(net, cases.SEED_TEXTS[0], cold, window))
    if share >= cases.COLD_GENERATE_SHARE:
        return
    said = (f"text written at temperature {cases.COLD_GENERATE_TEMPERATURE} is the saved "
            f"model's most likely next character {lib.share_text(share, percent=True)} of the "
            "time, where so cold a draw is almost always the argmax")
    try:
        test_sample_near_zero_is_argmax(art)
    except (CheckFailed, StudentCodeError):
        raise CheckFailed(f"{said}, because sample does not sharpen the probabilities at low "
                          "temperatures (see its check): fix it first") from None
    raise CheckFailed(f"{said}: generate should pass its temperature to sample, not draw at "
                      "temperature 1")


def _training_upstream(art: Artefacts) -> str:
    """Why the notebook's training could not give a good model, when a function with a check
    of its own is the cause (the model was trained on what it gives), else what to do."""
    for check_, function, what in (
            (test_vocabulary_sorted_and_invertible, "build_vocabulary",
             ("numbers the characters otherwise than the sorted vocabulary the grader encodes "
              "text with")),
            (test_windows_pair_each_window_with_the_next_character, "make_dataset",
             ("does not give each window with its next character, so the model learnt from "
              "other pairs"))):
        try:
            check_(art)
        except (CheckFailed, StudentCodeError):
            return f" because {function} {what} (see its check): fix it first"
    return ": train longer, or check that the targets are the characters after each window"


# --- the saved model, measured by the grader -----------------------------------------------------------

@check(4, "The saved model should be the stacked recurrent model and predict review text it "
          "has never seen clearly better than the unigram and bigram baselines.",
       differently=("Any model of the notebook's kind (Embedding or CategoryEncoding one-hot, "
                    "correct-category-encoding; LSTM or GRU; Sequential or Functional) trained on"
                    " any part of the training text passes at 3.0 bits or less on the grader's "
                    "3,000 reserved characters; the window the model declares, else WINDOW, is "
                    "the one read."),
       cheapest_wrong=("Letter frequencies only (mistake-undertrained, 4.24 bits; "
                       "mistake-shuffle-before-windows, 4.27) and a copy of the input (off by "
                       "one, 20 bits) are far above 3.0; where build_vocabulary or make_dataset "
                       "is the cause, the message names it. A model trained on the validation "
                       "text is not told apart: no closer to the holdout than training text."))
def test_saved_model_bits_per_character(art: Artefacts) -> None:
    net = cases.saved_model(art)
    _check_language_model(net, "the saved model", len(cases.vocabulary()))
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
           f"needs {unigram:.3f}, the bigram {bigram:.3f})" + _training_upstream(art))
