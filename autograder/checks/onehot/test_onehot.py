"""Hidden checks of assignment 1: one-hot encoding and a character RNN."""

from __future__ import annotations

import numpy as np

from autograder.boundary import Artefacts, StudentCodeError
from autograder.checks import lib
from autograder.checks.lib import CheckFailed, check, expect
from autograder.checks.onehot import cases
from course_config import ASSIGNMENTS

THRESHOLDS = ASSIGNMENTS["onehot"].thresholds
DENSE_BEST = 4
"""Characters of 'ihello' a trained model without memory gets right (of 6), and no more."""


def _vocabulary_differs(text: str, got: list[str]) -> str:
    """How the characters of `got` differ from those of `text`, said without quoting either."""
    missing, extra = set(text) - set(got), set(got) - set(text)
    if set(got) in ({*text.lower()}, {*text.upper()}):
        return ("it changed the case of letters: keep every character as the text has it, "
                "capitals too (they are other characters for the model)")
    if not extra and all(ch.isspace() for ch in missing):
        return "it leaves out spaces: a space is a character the model reads and predicts too"
    extras = lib.count_text(len(extra), len(set(text)))
    return (f"for a text of {len(set(text))} distinct characters, {len(missing)} of them "
            f"{'is' if len(missing) == 1 else 'are'} missing from it"
            f"{f' and {extras} it holds are not in the text' if extra else ''}")


@check(2, "build_vocabulary should list each character once, in sorted order.")
def test_vocabulary_is_sorted_and_unique(art: Artefacts) -> None:
    for i, text in enumerate(cases.TEXTS):
        got = lib.value(art, f"vocabulary_{i}")
        want = cases.vocabulary(text)
        expect(isinstance(got, list),
               f"it should return a list; it returned {lib.describe(got, near=(len(want),))}")
        expect(all(isinstance(ch, str) and len(ch) == 1 for ch in got),
               "every entry should be a single character")
        expect(len(got) == len(set(got)),
               f"{lib.count_text(len(got) - len(set(got)), len(want))} of its entries repeat a "
               "character; each character should appear once")
        expect(set(got) == set(want), _vocabulary_differs(text, got))
        expect(got != list(dict.fromkeys(text)) or got == want,
               "the characters are in the order they first appear in the text; list them in "
               "sorted order, which depends only on which characters there are")
        expect(got == want, "the characters are not in sorted order: sorted(...) gives the "
                            "same order in every run, on every machine")


@check(1, "build_vocabulary('') should raise ValueError.")
def test_vocabulary_rejects_empty_text(art: Artefacts) -> None:
    lib.expect_raises(art, "vocabulary_empty", "ValueError", "build_vocabulary('')")
    text = cases.TEXTS[0]
    got = lib.works_on_valid_input(art, "vocabulary_0", f"a text of {len(text)} characters")
    expect(isinstance(got, list) and all(isinstance(ch, str) for ch in got)
           and set(got) == set(text),
           f"only an empty text should raise: for a text of {len(text)} characters it should "
           f"return the list of its {len(set(text))} distinct characters; it returned "
           f"{lib.describe(got, near=(len(set(text)),))}")


@check(2, "lookup_tables should map each character to its position, and back.")
def test_lookup_tables_are_inverse(art: Artefacts) -> None:
    for i, text in enumerate(cases.TEXTS):
        tables = lib.value(art, f"tables_{i}")
        expect(isinstance(tables, (list, tuple)) and len(tables) == 2,
               "it should return two dicts: (char_to_index, index_to_char)")
        to_index, to_char = tables
        vocab = cases.vocabulary(text)
        expect(isinstance(to_index, dict) and isinstance(to_char, dict),
               "both tables should be dicts")
        expect(to_index == cases.char_to_index("".join(vocab)),
               "char_to_index should give each character its position in the vocabulary")
        expect(to_char == cases.index_to_char("".join(vocab)),
               "index_to_char should give each position (an int) its character")


@check(2, "encode should turn a text into a 1-D integer array of indices.")
def test_encode_returns_indices(art: Artefacts) -> None:
    table = cases.char_to_index(cases.ENCODE_ALPHABET)
    for i, text in enumerate(cases.ENCODE_TEXTS):
        got = lib.array(art, f"encode_{i}", "encode")
        expect(got.dtype.kind in "iu",
               f"indices should be integers; the dtype is {lib.dtype_text(got.dtype)}")
        lib.expect_equal_arrays(got, np.array([table[ch] for ch in text]),
                                f"encode of a {len(text)}-character text")


@check(1, "encode should raise ValueError for an unknown character (naming it) and for ''.")
def test_encode_rejects_unknown_and_empty(art: Artefacts) -> None:
    lib.expect_raises(art, "encode_unknown", "ValueError",
                      "encode of a text with a character missing from the table",
                      naming=("q", "the unknown character"))
    lib.expect_raises(art, "encode_empty", "ValueError", "encode('')")
    text, table = cases.ENCODE_TEXTS[0], cases.char_to_index(cases.ENCODE_ALPHABET)
    what = f"a text of {len(text)} characters, all in the table"
    got = lib.works_on_valid_input(art, "encode_0", what)
    values = got.tolist() if isinstance(got, np.ndarray) else got
    expect(isinstance(values, (list, tuple)) and len(values) == len(text)
           and all(isinstance(v, (int, float)) and v == table[ch] for v, ch in zip(values, text)),
           f"only unknown characters and '' should raise: for {what} it should return their "
           f"{len(text)} indices; it returned {lib.describe(got, (len(text),), (len(text),))}")


@check(3, "one_hot should return (batch, steps, vocab) arrays with a single 1 per step.")
def test_one_hot_has_vocab_axis_last(art: Artefacts) -> None:
    for i, (indices, size) in enumerate(cases.ONE_HOT_CASES):
        got = lib.array(art, f"one_hot_{i}", "one_hot")
        want = cases.one_hot(np.array(indices), size)
        rank = np.ndim(indices)
        what = f"one_hot of a {rank}-D input with vocab_size={size}"
        expect(not (rank == 1 and got.shape == want.shape[1:]),
               f"{what} should have shape {want.shape}; it has shape {got.shape}: a 1-D input is "
               "one sequence, so the result needs a batch axis of 1 in front")
        swapped = want.transpose(0, 2, 1)
        expect(not (got.shape == swapped.shape and np.array_equal(got, swapped)
                    and not np.array_equal(got, want)),
               f"{what} should have shape (batch, steps, vocab) = {want.shape}; it has the "
               "vocabulary on its middle axis, (batch, vocab, steps): the vocabulary should be "
               "the last axis")
        lib.expect_equal_arrays(got, want, what)


@check(1, "one_hot should return float32 (Keras' to_categorical gives float64).")
def test_one_hot_is_float32(art: Artefacts) -> None:
    for i in range(len(cases.ONE_HOT_CASES)):
        got = lib.array(art, f"one_hot_{i}", "one_hot")
        expect(got.dtype == np.float32, f"the dtype is {lib.dtype_text(got.dtype)}, not float32")


@check(1, "one_hot should raise ValueError for an index outside [0, vocab_size), negative "
          "ones included.")
def test_one_hot_rejects_out_of_range(art: Artefacts) -> None:
    for i, (indices, size, wrong) in enumerate(cases.ONE_HOT_OUT_OF_RANGE):
        what = f"one_hot of {wrong} (vocab_size={size})"
        raised = art.raised(f"one_hot_out_of_range_{i}")
        if raised is None:
            art.get(f"one_hot_out_of_range_{i}")  # StudentCodeError if nothing was exported
            negative = "negative" in wrong
            raise CheckFailed(f"{what} should raise ValueError, but it returned a value"
                              + (": NumPy reads -1 as the last row of np.eye(vocab_size), so "
                                 "a negative index gives a one-hot vector that looks right; "
                                 "check indices.min() < 0 too" if negative else ""))
        kind, _ = raised
        expect(kind == "ValueError",
               f"{what} should raise ValueError; it raised {kind}"
               + (" (NumPy's error for an index past the end of an array: check the range "
                  "first)" if kind == "IndexError" else ""))
    indices, size = cases.ONE_HOT_CASES[0]
    got = lib.works_on_valid_input(art, "one_hot_0", f"indices 0 to {size - 1} with "
                                                     f"vocab_size={size}")
    expect(isinstance(got, np.ndarray) and got.shape == (1, len(indices), size),
           f"only indices outside [0, vocab_size) should raise: for {len(indices)} indices in "
           f"range it should return shape {(1, len(indices), size)}; it returned "
           f"{lib.describe(got, shape=(1, len(indices), size))}")


@check(2, "decode should turn indices, or one-hot rows / probabilities, back into a string.")
def test_decode_reads_indices_and_probabilities(art: Artefacts) -> None:
    want = "".join(cases.DECODE_ALPHABET[i] for i in cases.DECODE_INDICES)
    got = lib.value(art, "decode_indices")
    expect(isinstance(got, str), f"decode should return a str; it returned {type(got).__name__}")
    expect(got == want, "decoding a 1-D array of indices gave the wrong string")
    try:
        got = lib.value(art, "decode_probabilities")
    except StudentCodeError as exc:
        raise CheckFailed(f"decoding a (steps, vocab) array of probabilities failed ({exc}): "
                          "for a 2-D array take the most likely character of each step (argmax "
                          "on the last axis)") from None
    expect(isinstance(got, str), f"decode should return a str; it returned {type(got).__name__}")
    expect(got == want, "decoding a (steps, vocab) array of probabilities gave the wrong string; "
                        "take the most likely character of each step (argmax on the last axis)")


@check(2, "make_xy should pair each character (x, one-hot) with the next one (y, index).")
def test_xy_targets_are_next_characters(art: Artefacts) -> None:
    for i, text in enumerate(cases.XY_TEXTS):
        pair = lib.value(art, f"xy_{i}")
        expect(isinstance(pair, (list, tuple)) and len(pair) == 2, "it should return (x, y)")
        x, y = pair
        order = cases.vocabulary(text)
        want_x, want_y = cases.next_char_targets(text, order)
        expect(isinstance(x, np.ndarray) and isinstance(y, np.ndarray),
               "x and y should be numpy arrays")
        lib.expect_shape(x, want_x.shape, f"x for a {len(text)}-character text")
        lib.expect_shape(y, (1, len(text) - 1), f"y for a {len(text)}-character text")
        expect(np.array_equal(x, want_x), "x should be the one-hot of every character but the last")
        expect(not np.array_equal(y[0], want_x[0].argmax(axis=-1)),
               "y holds the index of each step's own character, so the model learns to copy its "
               "input; y should be the index of the next character (every character but the "
               "first)")
        expect(np.array_equal(y[0], want_y), "y should be the index of the next character at each "
                                             "step (every character but the first)")


@check(2, "build_char_rnn should be recurrent and give a softmax over the vocabulary at every step.")
def test_char_rnn_returns_a_sequence_of_softmax(art: Artefacts) -> None:
    net = lib.model(art, "char_rnn", "build_char_rnn(...)")
    expect(lib.recurrent_layers(net), "the model has no recurrent layer (SimpleRNN, LSTM or GRU)")
    shape = lib.output_shape(net)
    expect(len(shape) == 3, f"the output should be (batch, steps, vocab); it is {shape}: "
                            "a recurrent layer needs return_sequences=True to give every step")
    expect(shape[-1] == 7, f"for vocab_size=7 the last axis should be 7; the output is {shape}")
    expect(lib.final_activation(net) == "softmax", "the last layer should use a softmax")


@check(1, "build_char_rnn's parameter count should match the formula for your HIDDEN_UNITS.")
def test_char_rnn_parameter_count(art: Artefacts) -> None:
    units = lib.value(art, "hidden_units")
    expect(isinstance(units, int) and units > 0, "HIDDEN_UNITS should be a positive int")
    net = lib.model(art, "char_rnn", "build_char_rnn(...)")
    recurrent = lib.recurrent_layers(net)
    expect(recurrent, "the model has no recurrent layer, so no formula applies")
    expect(lib.inner(recurrent[0]).units == units,
           f"the recurrent layer has {lib.inner(recurrent[0]).units} units, not HIDDEN_UNITS")
    lib.expect_params(net, lib.layers(net), 7, "the model", " and 7 one-hot inputs per step")


def _upstream(art: Artefacts, xy_name: str, text: str) -> str:
    """Why a model trained in the notebook could not learn `text`, when the cause is a function
    with a check of its own: '; make_xy ...: fix it first', or '' when those functions work."""
    want_x, want_y = cases.next_char_targets(text, cases.vocabulary(text))
    try:
        x, y = lib.value(art, xy_name)
        pairs_right = (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                       and np.array_equal(x, want_x) and np.array_equal(y, want_y[None]))
    except (StudentCodeError, TypeError, ValueError):
        pairs_right = False
    if not pairs_right:
        return (" because make_xy (with encode and one_hot) does not give this text's (x, y) "
                "pairs, so the model was trained on something else: fix it first")
    return ""


def _char_accuracy(art: Artefacts, model_name: str, vocab_name: str, text: str) -> float:
    net = lib.model(art, model_name, model_name)
    order = cases.vocabulary(text)
    try:  # read the inputs in the student's own vocabulary order if it is a valid one
        student_order = lib.value(art, vocab_name)
        if sorted(student_order) == order:
            order = list(student_order)
    except Exception:
        pass
    x, targets = cases.next_char_targets(text, order)
    probabilities = lib.predict(net, x)
    expect(probabilities.shape == (1, len(text) - 1, len(order)),
           f"the model should output (1, {len(text) - 1}, {len(order)}) for this text; it "
           f"outputs {lib.shape_text(probabilities.shape, (1, len(text) - 1, len(order)))}"
           + (" because build_char_rnn, which built it, does not give one softmax per step "
              "over the vocabulary: fix it first" if model_name != "dense_model" else ""))
    return float(np.mean(np.argmax(probabilities[0], axis=-1) == targets))


@check(2, "hihello_model should predict 'ihello' from 'hihell'.")
def test_hihello_model_predicts_ihello(art: Artefacts) -> None:
    accuracy = _char_accuracy(art, "hihello_model", "hihello_vocabulary", cases.HIHELLO)
    lib.measure("char_accuracy", accuracy)
    expect(accuracy >= THRESHOLDS["hihello_char_accuracy"],
           f"it gets {round(accuracy * 6)} of 6 characters right"
           + (_upstream(art, "xy_0", cases.HIHELLO) or "; train it until all 6 are"))


@check(1, "dense_model should have no recurrent layer, give one prediction per step, and be "
          "trained: 4 of 6 characters right, the most a model without memory can get.")
def test_dense_model_has_no_recurrence(art: Artefacts) -> None:
    net = lib.model(art, "dense_model", "dense_model")
    expect(not lib.recurrent_layers(net), "dense_model contains a recurrent layer")
    shape = lib.output_shape(net)
    expect(len(shape) == 3, f"the output should be (batch, steps, vocab); it is {shape}")
    # Without memory the best is 4 of 6 ('h' and 'l' each have two successors); any seed gets
    # there in the notebook's 40 epochs, while an untrained model gets 0 to 3.
    accuracy = _char_accuracy(art, "dense_model", "hihello_vocabulary", cases.HIHELLO)
    lib.measure("char_accuracy", accuracy)
    expect(round(accuracy * 6) >= DENSE_BEST,
           f"it gets {round(accuracy * 6)} of 6 characters right"
           + (_upstream(art, "xy_0", cases.HIHELLO)
              or f"; trained like hihello_model, a model without memory gets {DENSE_BEST}: is "
                 "it trained?"))


@check(2, "sentence_model should predict each next character of the sentence.")
def test_sentence_model_predicts_next_characters(art: Artefacts) -> None:
    accuracy = _char_accuracy(art, "sentence_model", "sentence_vocabulary", cases.SENTENCE)
    lib.measure("char_accuracy", accuracy)
    steps = len(cases.SENTENCE) - 1
    expect(accuracy >= THRESHOLDS["sentence_char_accuracy"],
           f"it gets {round(accuracy * steps)} of {steps} next characters right"
           + (_upstream(art, "sentence_xy", cases.SENTENCE)
              or f"; at least {int(np.ceil(THRESHOLDS['sentence_char_accuracy'] * steps))} are "
                 "needed"))
