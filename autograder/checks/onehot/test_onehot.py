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


@check(2, "build_vocabulary should list each character once, in sorted order.",
       differently=("Any list of one-character strings in sorted order passes: sorted(set(text)),"
                    " sorted({*text}), sorted(dict.fromkeys(text)), a loop that collects and then"
                    " sorts. A tuple or a string of the characters fails, with its own message: "
                    "the exercise and its public test ask for a list."),
       cheapest_wrong=("list(set(text)) can come out sorted by chance on a short text; six hidden"
                       " texts (repeats, a single character, capitals, non-ASCII) make that "
                       "unlikely, and first-seen order (dict.fromkeys) is named apart. "
                       "Lowercasing or dropping spaces is caught by comparing the characters with"
                       " the text's own, each named."))
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


@check(1, "build_vocabulary('') should raise ValueError.",
       differently=("`if not text`, `len(text) == 0` or `text == ''` followed by raise "
                    "ValueError, with any message, all pass. A ValueError subclass of the "
                    "student's own is told by its class name and fails: the notebook asks for "
                    "ValueError itself."),
       cheapest_wrong=("raise ValueError for every text: the check also asks build_vocabulary for"
                       " the characters of an 11-character hidden text (works_on_valid_input), "
                       "which that code cannot answer."))
def test_vocabulary_rejects_empty_text(art: Artefacts) -> None:
    lib.expect_raises(art, "vocabulary_empty", "ValueError", "build_vocabulary('')")
    text = cases.TEXTS[0]
    got = lib.works_on_valid_input(art, "vocabulary_0", f"a text of {len(text)} characters")
    expect(isinstance(got, list) and all(isinstance(ch, str) for ch in got)
           and set(got) == set(text),
           f"only an empty text should raise: for a text of {len(text)} characters it should "
           f"return the list of its {len(set(text))} distinct characters; it returned "
           f"{lib.describe(got, near=(len(set(text)),))}")


@check(2, "lookup_tables should map each character to its position, and back.",
       differently=("Dict comprehensions, dict(zip(vocab, range(n))), dict(enumerate(vocab)) "
                    "compare equal; the pair may be a tuple or a list; numpy integer keys or "
                    "values arrive as plain ints through the exporter, so they compare equal too."),
       cheapest_wrong=("Tables written for 'hihello' only: they are built here for six other "
                       "vocabularies. An index_to_char keyed by strings ('0') or a char_to_index "
                       "built from a re-sorted copy of a non-sorted vocabulary fails the "
                       "comparison with the positions in the list given."))
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


@check(2, "encode should turn a text into a 1-D integer array of indices.",
       differently=("A list comprehension into np.array, np.fromiter, map over the dict: any "
                    "integer dtype (int32, int64, uint8) passes. A list is refused with its own "
                    "message: the exercise asks for a NumPy array."),
       cheapest_wrong=("Indices from the sorted alphabet instead of the table: the hidden table's"
                       " indices are deliberately not in alphabetical order. Float indices are "
                       "named by their dtype."))
def test_encode_returns_indices(art: Artefacts) -> None:
    table = cases.char_to_index(cases.ENCODE_ALPHABET)
    for i, text in enumerate(cases.ENCODE_TEXTS):
        got = lib.array(art, f"encode_{i}", "encode")
        expect(got.dtype.kind in "iu",
               f"indices should be integers; the dtype is {lib.dtype_text(got.dtype)}")
        lib.expect_equal_arrays(got, np.array([table[ch] for ch in text]),
                                f"encode of a {len(text)}-character text")


@check(1, "encode should raise ValueError for an unknown character (naming it) and for ''.",
       differently=("A loop with `if char not in table`, a set difference naming every unknown "
                    "character, or catching the KeyError and raising ValueError from it: the "
                    "message must contain the character, in any wording."),
       cheapest_wrong=("raise ValueError for everything, the whole text in the message (which "
                       "names the unknown character): the check also asks for the indices of a "
                       "valid text. A bare KeyError is named as such (mistake-encode-key-error)."))
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


@check(3, "one_hot should return (batch, steps, vocab) arrays with a single 1 per step.",
       differently=("np.eye indexing, np.take on np.identity, put_along_axis into zeros, a "
                    "broadcast comparison, loops, to_categorical reshaped: any numpy array with "
                    "exactly these values passes (the dtype is one_hot_is_float32's); float64 of "
                    "the same values passes here."),
       cheapest_wrong=("np.eye(v)[indices] without the batch axis for a 1-D input, and a "
                       "transposed result, are each named. A result right for the notebook's "
                       "vocabulary of 5 only: the hidden cases have sizes 1, 3, 4 and 6 and a "
                       "vocabulary larger than the indices used."))
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


@check(1, "one_hot should return float32 (Keras' to_categorical gives float64).",
       differently=("dtype=np.float32, 'float32', astype(np.float32) after any construction: "
                    "float32 is all that is asked, whatever built the array."),
       cheapest_wrong=("astype('float32') on wrong values: passes here, charged by "
                       "one_hot_has_vocab_axis_last. A float32 tensor (tf.one_hot) is refused as "
                       "not a numpy array (mistake-tf-one-hot)."))
def test_one_hot_is_float32(art: Artefacts) -> None:
    for i in range(len(cases.ONE_HOT_CASES)):
        got = lib.array(art, f"one_hot_{i}", "one_hot")
        expect(got.dtype == np.float32, f"the dtype is {lib.dtype_text(got.dtype)}, not float32")


@check(1, "one_hot should raise ValueError for an index outside [0, vocab_size), negative "
          "ones included.",
       differently=("indices.min() < 0 or indices.max() >= vocab_size, np.any on a mask, a test "
                    "per element in a loop: any ValueError with any message (it is not read). An "
                    "empty input is never asked."),
       cheapest_wrong=("raise ValueError for every input: the check also asks a valid input for "
                       "its (1, steps, vocab) result. An upper bound alone leaves -1 to NumPy's "
                       "wrap-around: a negative index inside a batch is among the cases "
                       "(mistake-one-hot-upper-bound-only); no check at all gives NumPy's "
                       "IndexError, named (mistake-one-hot-unchecked)."))
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


@check(2, "decode should turn indices, or one-hot rows / probabilities, back into a string.",
       differently=("argmax on axis -1 or 1, a loop over rows, int() or .tolist() on the indices:"
                    " any str with the right characters passes. decode gets a dict with int keys "
                    "and float32 rows, as a model's output, so code written for either works."),
       cheapest_wrong=("Decoding 1-D indices only fails on the probabilities; argmax on axis 0 "
                       "gives one character per vocabulary entry "
                       "(mistake-decode-argmax-first-axis); the hidden rows are probabilities, "
                       "not one-hot, so code that looks for a 1 finds none."))
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


@check(2, "make_xy should pair each character (x, one-hot) with the next one (y, index).",
       differently=("Slices of the text or of the indices, one_hot of a 1-D or a (1, n) array, y "
                    "from [None, 1:] or reshape(1, -1): x and y are compared by shape and value "
                    "only, any integer (or float) dtype of y passes."),
       cheapest_wrong=("y equal to each step's own character (targets not shifted) is named; x "
                       "with the last character too changes the shape; three hidden texts, with "
                       "repeats and non-ASCII characters, keep a 'hihello'-only answer out."))
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


@check(2, "build_char_rnn should be recurrent and give a softmax over the vocabulary at every step.",
       differently=("Functional or Sequential, SimpleRNN, LSTM or GRU, stacked, Dense or "
                    "TimeDistributed(Dense) on the 3-D output: all pass "
                    "(correct-gru-time-distributed, correct-stacked-lstm-argmax-decode). The "
                    "model is saved in the student's process and loaded in safe mode: a "
                    "subclassed keras.Model of a class of its own cannot be loaded, and the "
                    "notebook asks for the functional API."),
       cheapest_wrong=("A Bidirectional layer (or go_backwards, or a Conv1D padded on both sides)"
                       " reads the character each step is to predict and trains to 6/6 without "
                       "learning anything: refused here and in the trained-model checks, with the"
                       " layer as declared. A softmax over len(vocab) + 1 is named by the "
                       "output's last axis (mistake-output-vocab-plus-one)."))
def test_char_rnn_returns_a_sequence_of_softmax(art: Artefacts) -> None:
    net = lib.model(art, "char_rnn", "build_char_rnn(...)")
    expect(lib.recurrent_layers(net), "the model has no recurrent layer (SimpleRNN, LSTM or GRU)")
    _expect_reads_left_to_right(net, "the model")
    shape = lib.output_shape(net)
    expect(len(shape) == 3, f"the output should be (batch, steps, vocab); it is {shape}: "
                            "a recurrent layer needs return_sequences=True to give every step")
    expect(shape[-1] == 7, f"for vocab_size=7 the last axis should be 7; the output is {shape}")
    expect(lib.final_activation(net) == "softmax", "the last layer should use a softmax")


@check(1, "build_char_rnn's parameter count should match the formula for your HIDDEN_UNITS.",
       differently=("The count is recomputed from each layer's own settings (units, use_bias, GRU"
                    " reset_after, Bidirectional, TimeDistributed, stacked layers), so any "
                    "architecture whose layers hold the weights they declare passes: "
                    "GRU(reset_after=False) and two LSTMs are samples."),
       cheapest_wrong=("A model whose first recurrent layer has HIDDEN_UNITS and other layers any"
                       " size passes: the formula follows the model, which is what is asked. "
                       "Weights a layer adds beyond its plain formula (lora_rank) are counted and"
                       " named by the term that differs."))
def test_char_rnn_parameter_count(art: Artefacts) -> None:
    units = lib.value(art, "hidden_units")
    expect(isinstance(units, int) and units > 0, "HIDDEN_UNITS should be a positive int")
    net = lib.model(art, "char_rnn", "build_char_rnn(...)")
    recurrent = lib.recurrent_layers(net)
    expect(recurrent, "the model has no recurrent layer, so no formula applies")
    expect(lib.inner(recurrent[0]).units == units,
           f"the recurrent layer has {lib.inner(recurrent[0]).units} units, not HIDDEN_UNITS")
    lib.expect_params(net, lib.layers(net), 7, "the model", " and 7 one-hot inputs per step")


def _reads_ahead(net) -> str:
    """The layer, as declared, through which a step's output sees later steps (the character it
    is to predict), or ''."""
    for layer in lib.layers(net):
        kind = type(layer).__name__
        if kind == "Bidirectional" or getattr(lib.inner(layer), "go_backwards", False):
            return lib.declared(layer) + (" with go_backwards=True" if kind != "Bidirectional"
                                          else "")
        if kind == "Conv1D" and layer.kernel_size[0] > 1 and layer.padding != "causal":
            return lib.declared(layer) + f" with padding={layer.padding!r}"
    return ""


def _expect_reads_left_to_right(net, what: str) -> None:
    ahead = _reads_ahead(net)
    expect(not ahead, f"{what} has a {ahead} layer, which reads the steps after each one: "
                      "it sees the very character it is to predict. A next-character model "
                      "reads left to right (a plain SimpleRNN, LSTM or GRU)")


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
    _expect_reads_left_to_right(net, model_name)
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


@check(2, "hihello_model should predict 'ihello' from 'hihell'.",
       differently=("The grader builds its own one-hot inputs, in the student's vocabulary order "
                    "when that is a permutation of the sorted one, and reads the argmax: any "
                    "recurrent model, optimiser or number of epochs that gets all 6 passes."),
       cheapest_wrong=("A model that looks ahead (Bidirectional) gets 6/6 without memory: "
                       "refused, as declared. A model trained on wrong pairs fails, and the "
                       "message says make_xy is the cause; one built with a wrong output size "
                       "says build_char_rnn is."))
def test_hihello_model_predicts_ihello(art: Artefacts) -> None:
    accuracy = _char_accuracy(art, "hihello_model", "hihello_vocabulary", cases.HIHELLO)
    lib.measure("char_accuracy", accuracy)
    expect(accuracy >= THRESHOLDS["hihello_char_accuracy"],
           f"it gets {round(accuracy * 6)} of 6 characters right"
           + (_upstream(art, "xy_0", cases.HIHELLO) or "; train it until all 6 are"))


@check(1, "dense_model should have no recurrent layer, give one prediction per step, and be "
          "trained: 4 of 6 characters right, the most a model without memory can get.",
       differently=("Dense, TimeDistributed(Dense) (correct-put-along-axis-sequential-dense), "
                    "Conv1D of kernel size 1, any activation or optimiser: no recurrent layer, a "
                    "3-D output, and 4 of 6 right, which any per-step model trained as asked "
                    "reaches."),
       cheapest_wrong=("An untrained model gets 0 to 3 (mistake-dense-history-from-wrong-model). "
                       "A model that reads neighbouring steps (a Conv1D padded on both sides) "
                       "could reach 6: refused by its layer, and any result above 4, impossible "
                       "one step at a time, fails."))
def test_dense_model_has_no_recurrence(art: Artefacts) -> None:
    net = lib.model(art, "dense_model", "dense_model")
    expect(not lib.recurrent_layers(net), "dense_model contains a recurrent layer")
    shape = lib.output_shape(net)
    expect(len(shape) == 3, f"the output should be (batch, steps, vocab); it is {shape}")
    # Without memory the best is 4 of 6 ('h' and 'l' each have two successors); any seed gets
    # there in the notebook's 40 epochs, while an untrained model gets 0 to 3.
    accuracy = _char_accuracy(art, "dense_model", "hihello_vocabulary", cases.HIHELLO)
    lib.measure("char_accuracy", accuracy)
    # more than DENSE_BEST is out of reach of any per-step model: its layers read other steps
    expect(round(accuracy * 6) <= DENSE_BEST,
           f"it gets {round(accuracy * 6)} of 6 characters right, more than any model that reads "
           f"one step at a time can ({DENSE_BEST}): its layers read other steps than the current "
           "one (a Conv1D wider than 1, a Flatten): use Dense layers, which work on each step "
           "alone")
    expect(round(accuracy * 6) >= DENSE_BEST,
           f"it gets {round(accuracy * 6)} of 6 characters right"
           + (_upstream(art, "xy_0", cases.HIHELLO)
              or f"; trained like hihello_model, a model without memory gets {DENSE_BEST}: is "
                 "it trained?"))


@check(2, "sentence_model should predict each next character of the sentence.",
       differently=("Any recurrent model and training that gets at least 14 of the 15 next "
                    "characters passes; the inputs follow the student's vocabulary order when it "
                    "is a permutation of the sorted one."),
       cheapest_wrong=("A model that looks ahead is refused; one trained on wrong pairs fails "
                       "with make_xy named as the cause (the grader asks make_xy for the "
                       "sentence's pairs); undertrained models fail on the count."))
def test_sentence_model_predicts_next_characters(art: Artefacts) -> None:
    accuracy = _char_accuracy(art, "sentence_model", "sentence_vocabulary", cases.SENTENCE)
    lib.measure("char_accuracy", accuracy)
    steps = len(cases.SENTENCE) - 1
    expect(accuracy >= THRESHOLDS["sentence_char_accuracy"],
           f"it gets {round(accuracy * steps)} of {steps} next characters right"
           + (_upstream(art, "sentence_xy", cases.SENTENCE)
              or f"; at least {int(np.ceil(THRESHOLDS['sentence_char_accuracy'] * steps))} are "
                 "needed"))
