"""Hidden checks of assignment 3: a seq2seq model that learns integer addition from strings."""

from __future__ import annotations

import math

import numpy as np

from autograder.boundary import Artefacts, StudentCodeError
from autograder.checks import lib
from autograder.checks.addition import cases
from autograder.checks.lib import CheckFailed, check, expect
from course_config import ASSIGNMENTS

THRESHOLDS = ASSIGNMENTS["addition"].thresholds
MODEL_FILE = ASSIGNMENTS["addition"].saved_files[0]


# --- helpers ----------------------------------------------------------------------------------

def _lists(art: Artefacts, name: str, n: int, call: str) -> tuple[list[str], list[str]]:
    got = lib.value(art, name)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{call} should return (questions, answers); it returned {type(got).__name__}")
    questions, answers = got
    for part, role in ((questions, "questions"), (answers, "answers")):
        expect(isinstance(part, list) and all(isinstance(s, str) for s in part),
               f"{call} should return the {role} as a list of strings")
        expect(len(part) == n,
               f"{call} should return {n} {role}; it returned {lib.count_text(len(part), n)}")
    return questions, answers


def _one_hot_array(part, what: str) -> np.ndarray:
    expect(isinstance(part, np.ndarray), f"{what} should be a numpy array; it is a "
                                         f"{type(part).__name__}")
    return part


def _choices(art: Artefacts) -> tuple[str, int]:
    cell = lib.value(art, "cell")
    expect(cell in cases.CELLS,
           f"CELL should be one of {', '.join(cases.CELLS)}; it is {lib.describe(cell)}")
    return cell, lib.positive_int(art, "units", "UNITS")


def _reverse(art: Artefacts) -> bool:
    reverse = lib.value(art, "reverse")
    expect(isinstance(reverse, bool),
           f"REVERSE should be True or False; it is {lib.describe(reverse)}")
    return reverse


def _describe(net) -> list[str]:
    """Each layer as a student would write it: 'LSTM(128)', 'RepeatVector(4)', ..."""
    out = []
    for layer in lib.layers(net):
        core, kind = lib.inner(layer), lib.layer_kind(layer)
        if kind in lib.RECURRENT_LAYERS:
            out.append(lib.declared(layer))  # a Bidirectional wrapper named, not hidden
        elif kind == "RepeatVector":
            out.append(f"RepeatVector({core.n})")
        elif kind == "Dense":
            out.append(f"Dense({core.units}, {getattr(core.activation, '__name__', '?')})")
        else:
            out.append(kind)
    return out


_NO_EFFECT = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout")


def _is_softmax_layer(layer) -> bool:
    """An Activation('softmax') or Softmax layer (over the last axis)."""
    kind = lib.layer_kind(layer)
    if kind == "Activation":
        return getattr(lib.inner(layer).activation, "__name__", "") == "softmax"
    return kind == "Softmax" and lib.inner(layer).axis in (-1, 2)


def _check_seq2seq(net, digits: int, cell: str, units: int, what: str) -> None:
    """Encoder -> RepeatVector(digits + 1) -> decoder with sequences -> softmax on each step."""
    expect(tuple(net.inputs[0].shape) == (None, 2 * digits + 1, cases.SYMBOLS),
           f"{what} should read questions of shape (None, {2 * digits + 1}, {cases.SYMBOLS}); "
           f"it reads {tuple(net.inputs[0].shape)}")
    described = _describe(net)
    # Dropout and noise layers change no shape and no count: any place is fine. A softmax
    # may be the Dense layer's activation or a layer of its own after a linear Dense, as the
    # older Keras addition example wrote it.
    stack = [layer for layer in lib.layers(net) if lib.layer_kind(layer) not in _NO_EFFECT]
    softmax_layer = bool(stack) and _is_softmax_layer(stack[-1])
    if softmax_layer:
        stack = stack[:-1]
    kinds = [lib.layer_kind(layer) for layer in stack]
    expect("RepeatVector" in kinds,
           f"{what} has no RepeatVector: its layers are {described}. The encoder's final state "
           "must be repeated once per answer character before the decoder reads it")
    split = kinds.index("RepeatVector")
    encoder, decoder = stack[:split], stack[split + 1:]
    expect(len(encoder) >= 1 and all(lib.layer_kind(x) in lib.RECURRENT_LAYERS for x in encoder),
           f"{what} should start with the encoder, a recurrent layer; its layers are {described}")
    expect(not lib.inner(encoder[-1]).return_sequences,
           f"the encoder of {what} returns sequences: it should give one final state "
           f"(return_sequences=False). Its layers are {described}")
    expect(lib.inner(stack[split]).n == digits + 1,
           f"the RepeatVector of {what} repeats {lib.inner(stack[split]).n} times; an answer "
           f"of {digits}-digit operands has {digits + 1} characters")
    recurrent = [x for x in decoder if lib.layer_kind(x) in lib.RECURRENT_LAYERS]
    expect(recurrent, f"{what} has no decoder (a recurrent layer after RepeatVector); its "
                      f"layers are {described}")
    expect(all(lib.inner(x).return_sequences for x in recurrent),
           f"the decoder of {what} does not return sequences, so it gives one vector for the "
           "whole answer: set return_sequences=True to get one per answer character. Its layers "
           f"are {described}")
    expect(len(decoder) == len(recurrent) + 1 and lib.layer_kind(decoder[-1]) == "Dense",
           f"{what} should end with one Dense layer (in TimeDistributed) after the decoder; its "
           f"layers are {described}")
    activation = getattr(lib.inner(decoder[-1]).activation, "__name__", "")
    expect(lib.inner(decoder[-1]).units == cases.SYMBOLS
           and activation == ("linear" if softmax_layer else "softmax"),
           f"the last layer of {what} should be Dense({cases.SYMBOLS}, activation='softmax'), one "
           f"probability per symbol"
           + (" (or a linear Dense before the softmax layer)" if softmax_layer else "")
           + f"; it is {lib.declared(decoder[-1])} with activation {activation!r}")
    expect(all(lib.layer_kind(x) == cell and lib.inner(x).units == units
               for x in encoder + recurrent),
           f"{what} should use {cell}({units}) for encoder and decoder, as asked; its layers "
           f"are {described}")
    expect(lib.output_shape(net) == (None, digits + 1, cases.SYMBOLS),
           f"{what} should output (None, {digits + 1}, {cases.SYMBOLS}); it outputs "
           f"{lib.output_shape(net)}")


def _built(art: Artefacts) -> list[tuple[str, int, str, int]]:
    """(probe, digits, cell, units) of every build_model call the grader made."""
    digits = lib.value(art, "digits")
    expect(digits == cases.DIGITS,
           f"DIGITS should stay {cases.DIGITS}; it is {lib.describe(digits, near=(cases.DIGITS,))}")
    cell, units = _choices(art)
    return [("built", digits, cell, units),
            *[(f"built_{i}", *case) for i, case in enumerate(cases.BUILD_CASES)]]


# --- generate_data ----------------------------------------------------------------------------

@check(2, "generate_data should give n distinct questions a+b (operands of 1 to `digits` "
          "digits, a+b and b+a counted once), each with its sum.",
       differently="Any random source and bookkeeping passes: numpy's "
                   "default_rng, Python's random.Random, keras-io's "
                   "int(''.join(choice(...))) with a length drawn first, a set of "
                   "sorted pairs, a dict of frozensets; operands may come in "
                   "either order and 0 may be left out. Only the rules are tested "
                   "(parsed sums, operand sizes, distinct unordered pairs) and "
                   "the share of short operands only against half of what drawing "
                   "the length first gives",
       cheapest_wrong="Drawing with replacement, or skipping only repeated (a, "
                      "b): 300 three-digit questions always repeat a short pair, "
                      "caught by the distinct count (a+b and b+a named). Operands "
                      "uniform in 0..10**digits - 1 pass every rule but the share "
                      "of short operands (10% where 70% is expected), which this "
                      "check measures. Unpadded answers cost the padding check")
def test_generate_data_answers_are_sums(art: Artefacts) -> None:
    for i, (n, digits, seed) in enumerate(cases.GENERATE_CASES):
        call = f"generate_data({n}, {digits}, seed)"
        questions, answers = _lists(art, f"generate_{i}", n, call)
        pairs, operands = set(), []
        for j, (question, answer) in enumerate(zip(questions, answers)):
            parsed = cases.parse(question)
            expect(parsed is not None, f"the {lib.ordinal(j)} question of {call} is not 'a+b' "
                                       "followed by padding spaces")
            a, b = parsed
            expect(a < 10 ** digits and b < 10 ** digits,
                   f"the {lib.ordinal(j)} question of {call} has an operand of more than "
                   f"{digits} digits")
            expect(answer.strip() == str(a + b),
                   f"the {lib.ordinal(j)} answer of {call} is not the sum of its question")
            pairs.add((min(a, b), max(a, b)))
            operands += [a, b]
        expect(len(pairs) == n,
               f"{call} gave only {lib.count_text(len(pairs), n)} different questions among {n}: "
               "each should appear "
               "once, and a+b is the same question as b+a")
        # Length first, uniform in 1..digits: a share 1 - 0.9 / digits of the operands is
        # shorter than `digits` (70% for 3 digits); drawn uniformly from 0..10**digits - 1, 10%.
        short = sum(len(str(x)) < digits for x in operands) / len(operands)
        expected = 1 - 0.9 / digits
        expect(digits == 1 or short >= expected / 2,
               f"{call} gives {lib.share_text(short, percent=True)} operands of fewer than "
               f"{digits} digits, where "
               f"drawing each operand's number of digits first gives about {expected:.0%}: pick "
               f"the length uniformly from 1 to {digits}, then a number of at most that many "
               "digits")


@check(1, "generate_data should pad questions to 2 * digits + 1 characters and answers to "
          "digits + 1, with spaces on the right.",
       differently="str.ljust, f'{text:<{n}}', text + ' ' * (n - len(text)) and "
                   "format() all give the same strings; only the lengths and that "
                   "the text is left-aligned are tested, on the same three hidden "
                   "(n, digits, seed) cases as the sums check",
       cheapest_wrong="Padding on the left (rjust, as for right-aligned numbers) "
                      "keeps the lengths and is caught by the 'right only' rule; "
                      "padding to a fixed 7 and 4 whatever `digits` is caught by "
                      "the 2-digit and 1-digit cases; answers left unpadded "
                      "(str(a + b)) fail the length rule")
def test_generate_data_pads_to_fixed_length(art: Artefacts) -> None:
    for i, (n, digits, seed) in enumerate(cases.GENERATE_CASES):
        questions, answers = _lists(art, f"generate_{i}", n, f"generate_data({n}, {digits}, "
                                                             "seed)")
        for texts, length, role in ((questions, 2 * digits + 1, "question"),
                                    (answers, digits + 1, "answer")):
            for j, text in enumerate(texts):
                expect(len(text) == length,
                       f"with digits={digits} every {role} should be {length} characters long; "
                       f"the {lib.ordinal(j)} has {lib.count_text(len(text), length)}")
                expect(text == text.strip().ljust(length),
                       f"with digits={digits} the {lib.ordinal(j)} {role} should be padded with "
                       "spaces on the right only")


@check(1, "generate_data should give the same questions for the same seed, and others for "
          "another seed.",
       differently="np.random.default_rng(seed), random.Random(seed), "
                   "np.random.seed(seed) with the global functions, or "
                   "keras.utils.set_random_seed(seed) inside the function all "
                   "pass: only equality of two calls with one seed and inequality "
                   "with the next seed are compared",
       cheapest_wrong="A generator made once outside the function (rng = "
                      "default_rng(SEED) in the setup cell) gives other questions "
                      "on the second call, and a generator seeded with a constant "
                      "ignores `seed`: the two comparisons catch each. Seeding "
                      "with seed + 1 inside is no mistake the grader can see, nor "
                      "should it be")
def test_generate_data_is_deterministic(art: Artefacts) -> None:
    n, digits, _ = cases.DETERMINISM[0]  # the seeds stay unsaid: they are hidden inputs
    first, again, next_seed = (_lists(art, f"determinism_{i}", n, f"generate_data({n}, "
                                                                    f"{digits}, seed)")
                               for i in range(3))
    expect(first == again, f"two calls of generate_data({n}, {digits}, seed) with one seed gave "
                           "different questions: draw them from np.random.default_rng(seed)")
    expect(first != next_seed, f"generate_data({n}, {digits}, seed) gave the same questions for "
                               "two different seeds: use the seed")


# --- vectorize / devectorize ------------------------------------------------------------------

def _vectorized(art: Artefacts, i: int, reverse: bool) -> tuple[np.ndarray, np.ndarray, str]:
    questions, _, digits = cases.VECTORIZE_CASES[i]
    call = (f"vectorize(questions, answers, {digits}"
            f"{', reverse=True' if reverse else ''}) for {len(questions)} questions")
    got = lib.value(art, f"vectorize_{i}_{reverse}")
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{call} should return (x, y); it returned {type(got).__name__}")
    x, y = (_one_hot_array(part, f"the {role} of {call}") for part, role in zip(got, "xy"))
    return x, y, call


@check(2, "vectorize should one-hot encode questions and answers over ALPHABET, in float32.",
       differently="Loops, np.eye(12)[indices] lookups, a keras-io CharacterTable "
                   "class, np.put_along_axis or "
                   "keras.utils.to_categorical(...).astype('float32') give equal "
                   "arrays; the exact array is compared. float64 "
                   "(to_categorical's default) and bool (keras-io's dtype) are "
                   "refused with their dtype named, as the docstring asks float32",
       cheapest_wrong="An encoding over sorted(ALPHABET), the order the onehot "
                      "assignment taught, has every shape and dtype right; the "
                      "check recognises a relabelling of the columns and names "
                      "it. A vectorize that ignores `digits` and pads to 7 and 4 "
                      "is caught by the 2-digit case")
def test_vectorize_matches_reference(art: Artefacts) -> None:
    for i, (questions, answers, digits) in enumerate(cases.VECTORIZE_CASES):
        x, y, call = _vectorized(art, i, False)
        want_x, want_y = cases.vectorize(questions, answers, digits)
        for got, want, role in ((x, want_x, "x"), (y, want_y, "y")):
            lib.expect_shape(got, want.shape, f"the {role} of {call}")
            expect(got.dtype == np.float32,
                   f"the {role} of {call} has dtype {lib.dtype_text(got.dtype)}; Keras models "
                   "use float32")
            if not np.array_equal(got, want):
                same_steps = np.array_equal(got.sum(-1), want.sum(-1))
                expect(not (same_steps and np.array_equal(np.sort(got, -1), np.sort(want, -1))
                            and _relabelled(got, want)),
                       f"the {role} of {call} puts the characters in other columns than "
                       "ALPHABET = '0123456789+ ' does: column i must be ALPHABET[i] (digits, "
                       "then '+', then the space)")
                raise CheckFailed(f"the {role} of {call} has the right shape but wrong values: "
                                  "step t of row i should be the one-hot of character t")


def _relabelled(got: np.ndarray, want: np.ndarray) -> bool:
    pairs = set(zip(got.argmax(-1).ravel().tolist(), want.argmax(-1).ravel().tolist()))
    return len({g for g, _ in pairs}) == len(pairs) == len({w for _, w in pairs})


@check(1, "vectorize(..., reverse=True) should encode each question from its last character "
          "to its first, and leave the answers as they are.",
       differently="Reversing the padded strings before encoding (q[::-1], as "
                   "keras-io does), flipping the array (x[:, ::-1], np.flip(x, "
                   "axis=1)) or encoding in reversed(range(...)) all give the "
                   "same x; only x against the student's own reverse=False x and "
                   "y against its own y are compared, so a vectorize mistake of "
                   "its own is not charged here again",
       cheapest_wrong="Reversing the answers too keeps every shape and is caught "
                      "by the y rule. Reversing the stripped question and padding "
                      "after it ('21+543 ' from '345+12 ') reads in another order "
                      "than the padded reversal the grader encodes fresh "
                      "questions with; the x rule catches it. Ignoring `reverse` "
                      "altogether fails the x rule")
def test_vectorize_reverses_questions(art: Artefacts) -> None:
    for i in range(len(cases.VECTORIZE_CASES)):
        x, y, _ = _vectorized(art, i, False)
        rx, ry, call = _vectorized(art, i, True)
        reading = _own_reading(art, True)
        expect(reading is None or reading[1] != "backwards before padding",
               f"the x of {call} reverses the text of each question and pads it again; "
               "reverse the padded question whole (q[::-1], the padding first), from its "
               "last character to its first, as the grader encodes its fresh questions")
        expect(rx.shape == x.shape and np.array_equal(rx, x[:, ::-1]),
               f"the x of {call} should be the x of reverse=False with the time axis reversed "
               "(the padded question read from its last character)")
        expect(ry.shape == y.shape and np.array_equal(ry, y),
               f"the y of {call} differs from reverse=False: only questions are reversed")


@check(1, "devectorize should turn (n, length, 12) probabilities into n strings, taking the "
          "most likely character at each step.",
       differently="argmax over axis -1 or axis 2, a comprehension or map over "
                   "ALPHABET, a keras-io CharacterTable.decode: the strings are "
                   "compared whole, spaces kept. The inputs are softmax-like "
                   "probabilities with a clear winner, so a decoder written for "
                   "one-hot rows that takes the maximum passes, and ties cannot "
                   "split correct codes",
       cheapest_wrong="A decoder that only finds exact 1s (np.where(row == 1)) "
                      "fails on probabilities; one that strips padding for "
                      "display gives shorter strings, and the length rule names "
                      "'spaces kept'; argmax over axis 1 gives strings of the "
                      "wrong length")
def test_devectorize_inverts_vectorize(art: Artefacts) -> None:
    for i, probabilities in enumerate(cases.DEVECTORIZE_CASES):
        n, length, _ = probabilities.shape
        what = f"devectorize of a ({n}, {length}, 12) array of softmax probabilities"
        got = lib.value(art, f"devectorize_{i}")
        expect(isinstance(got, list) and all(isinstance(s, str) for s in got),
               f"{what} should return a list of strings; it returned {type(got).__name__}")
        want = cases.devectorize(probabilities)
        expect(len(got) == n and all(len(s) == length for s in got),
               f"{what} should give {n} strings of {length} characters (spaces kept)")
        expect(got == want, f"{what} gives wrong characters: take argmax over the last axis "
                            "and look it up in ALPHABET")


# --- create_dataset ---------------------------------------------------------------------------

Reading = tuple[dict[int, int], str, str]
"""How a vectorize writes text: {its column: ALPHABET index}, and the order it writes the
questions in and the answers in (one of ORDERS)."""

ORDERS = ("forwards", "backwards", "backwards before padding")
"""The orders a vectorize writes a padded string in: as it is, reversed whole (the padding
first, as q[::-1] does), or its text reversed and padded again."""


def _ordered(text: str, order: str) -> str:
    """`text` written in `order` (each order is its own inverse on padded text)."""
    if order == "backwards":
        return text[::-1]
    if order == "backwards before padding":
        return text.rstrip(" ")[::-1].ljust(len(text))
    return text

_REFERENCE_COLUMNS = dict(enumerate(range(cases.SYMBOLS)))


def _columns_of(got: np.ndarray, want: np.ndarray) -> dict[int, int] | None:
    """{column of `got`: column of `want`} if `got` is `want` with its columns relabelled one
    for one (None if not: another shape, steps not one-hot, or no such relabelling)."""
    if got.shape != want.shape or not (np.all((got == 0) | (got == 1))
                                       and np.all(got.sum(-1) == 1)):
        return None
    pairs = set(zip(got.argmax(-1).ravel().tolist(), want.argmax(-1).ravel().tolist()))
    if not len({g for g, _ in pairs}) == len(pairs) == len({w for _, w in pairs}):
        return None
    return dict(pairs)


def _own_reading(art: Artefacts, reverse: bool) -> Reading | None:
    """How the student's vectorize(..., reverse) writes questions and answers, learnt from
    what it gave for the grader's strings: one relabelling of ALPHABET's columns shared by
    questions and answers, and for each whether it reads the text backwards. None if its
    output is no such encoding (then create_dataset is read with the reference encoding)."""
    columns: dict[int, int] = {}
    flips = []
    for i, (questions, answers, digits) in enumerate(cases.VECTORIZE_CASES):
        try:
            got = lib.value(art, f"vectorize_{i}_{reverse}")
        except StudentCodeError:
            return None
        if not (isinstance(got, (tuple, list)) and len(got) == 2
                and all(isinstance(part, np.ndarray) for part in got)):
            return None
        found = []
        for part, texts, length in ((got[0], questions, 2 * digits + 1),
                                    (got[1], answers, digits + 1)):
            for order in ORDERS:
                mapping = _columns_of(part, cases.one_hot([_ordered(t, order) for t in texts],
                                                          length))
                if mapping is not None:
                    break
            if mapping is None:
                return None
            found.append(order)
            for column, symbol in mapping.items():
                if columns.setdefault(column, symbol) != symbol:
                    return None
        flips.append(tuple(found))
    if len(set(flips)) != 1 or len(set(columns.values())) != len(columns):
        return None
    return columns, *flips[0]


def _vectorize_fault(art: Artefacts) -> str | None:
    """What the student's vectorize does unlike the reference on the grader's strings, in a
    few words (None if nothing): later checks say it when their failure follows from it."""
    for reverse in (False, True):
        reading = _own_reading(art, reverse)
        call = "vectorize(..., reverse=True)" if reverse else "vectorize"
        if reading is None:
            return (f"{call} encodes its strings otherwise than one column of ALPHABET per "
                    "character, read forwards or backwards")
        columns, question_order, answer_order = reading
        if any(column != symbol for column, symbol in columns.items()):
            return f"{call} puts the characters in other columns than ALPHABET"
        if question_order != ("backwards" if reverse else "forwards"):
            return f"{call} writes the questions {question_order}"
        if answer_order != "forwards":
            return f"{call} writes the answers {answer_order}"
    return None


def _unpadded(art: Artefacts) -> bool:
    """Whether the student's generate_data gives questions or answers shorter than their
    padded lengths (its padding check charges that; vectorize then leaves all-zero steps)."""
    for i, (n, digits, _) in enumerate(cases.GENERATE_CASES):
        try:
            questions, answers = _lists(art, f"generate_{i}", n, "generate_data")
        except (CheckFailed, StudentCodeError):
            continue
        if any(len(q) < 2 * digits + 1 for q in questions) or \
                any(len(a) < digits + 1 for a in answers):
            return True
    return False


def _read(array: np.ndarray, reading: dict[int, int], order: str, blanks: bool,
          what: str) -> list[str]:
    """The strings of a one-hot `array` read with `reading`'s columns, written in `order`
    (`blanks`: an all-zero step is a missing padding space, as a vectorize of unpadded
    strings writes it)."""
    expect(array.dtype.kind in "biuf", f"{what} should hold numbers; it has "
                                       f"{lib.dtype_text(array.dtype)}")
    sums = array.sum(-1)
    expect(bool(np.all((array == 0) | (array == 1)))
           and bool(np.all((sums == 1) | (blanks & (sums == 0)))),
           f"every step of {what} should hold exactly one 1 (the padding spaces too)")
    symbols = np.vectorize(lambda c: reading.get(int(c), -1))(array.argmax(-1))
    expect(bool(np.all((symbols >= 0) | (sums == 0))),
           f"{what} uses columns that its vectorize never writes")
    symbols = np.where(sums == 0, cases.ALPHABET.index(" "), symbols)
    return [_ordered("".join(cases.ALPHABET[i] for i in row), order) for row in symbols]


def _dataset_pairs(parts: list[np.ndarray], reading: Reading, blanks: bool, digits: int,
                   call: str, how: str) -> list[set[tuple[int, int]]]:
    """The unordered operand pairs of the training and the test rows, read with `reading`;
    fails at the first row that is no padded question with its sum."""
    columns, question_order, answer_order = reading
    names = ("x_train", "y_train", "x_test", "y_test")
    decoded = [_read(part, columns, answer_order if name[0] == "y" else question_order,
                     blanks, f"the {name} of {call}") for part, name in zip(parts, names)]
    sets = []
    for questions, answers, role in ((decoded[0], decoded[1], "training"),
                                     (decoded[2], decoded[3], "test")):
        pairs = set()
        for j, (question, answer) in enumerate(zip(questions, answers)):
            parsed = cases.parse(question)
            row = f"the {lib.ordinal(j)} {role} row of {call}, read {how}"
            expect(parsed is not None, f"{row}, is not a padded question 'a+b'")
            expect(answer.strip() == str(sum(parsed))
                   and answer == answer.strip().ljust(digits + 1),
                   f"{row}, has an answer that is not the sum of its question, padded "
                   "with spaces on the right")
            pairs.add((min(parsed), max(parsed)))
        sets.append(pairs)
    return sets


@check(2, "create_dataset should return one-hot training and test sets with no question in "
          "both.",
       differently="Vectorising once and slicing, vectorising the two slices, or "
                   "shuffling questions before the split all pass. Rows are read "
                   "the way the student's own vectorize writes text (its columns, "
                   "what it reverses) or the way ALPHABET does, and all-zero "
                   "steps count as padding when generate_data does not pad: its "
                   "own job (shapes, sums, no shared question) is judged, and a "
                   "vectorize or generate_data mistake it passes on costs their "
                   "checks",
       cheapest_wrong="Two calls of generate_data (train with seed, test with "
                      "seed + 1) share short questions, caught and named ('one "
                      "call of generate_data'); a generate_data that keeps a+b "
                      "and b+a is named as that; x and y shuffled separately give "
                      "rows whose answer is not their sum; ignoring `reverse` "
                      "reads as no question. Ignoring `seed` passes: nothing "
                      "graded depends on which questions it draws")
def test_create_dataset_keeps_test_apart(art: Artefacts) -> None:
    # create_dataset is judged on its own job: the four shapes, rows that are questions with
    # their sums, and no question in both sets. Its rows are read the way the student's own
    # vectorize writes text (its columns, what it reverses) or the way ALPHABET does, and
    # all-zero steps are padding when generate_data gives unpadded strings: a vectorize or
    # generate_data mistake that create_dataset passes on costs their checks, not this one.
    blanks = _unpadded(art)
    for i, (n_train, n_test, digits, seed, reverse) in enumerate(cases.DATASET_CASES):
        call = (f"create_dataset({n_train}, {n_test}, {digits}, seed"
                f"{', reverse=True' if reverse else ''})")
        got = lib.value(art, f"dataset_{i}")
        expect(isinstance(got, (tuple, list)) and len(got) == 4,
               f"{call} should return (x_train, y_train, x_test, y_test)")
        names = ("x_train", "y_train", "x_test", "y_test")
        parts = [_one_hot_array(part, f"the {name} of {call}") for part, name in zip(got, names)]
        shapes = ((n_train, 2 * digits + 1), (n_train, digits + 1), (n_test, 2 * digits + 1),
                  (n_test, digits + 1))
        for part, name, shape in zip(parts, names, shapes):
            lib.expect_shape(part, (*shape, cases.SYMBOLS), f"the {name} of {call}")
        reference = (_REFERENCE_COLUMNS, "backwards" if reverse else "forwards", "forwards")
        how = ("with ALPHABET = '0123456789+ '" + (" (questions reversed)" if reverse else ""))
        readings = [(reference, how)]
        own = _own_reading(art, reverse)
        if own is not None and own != reference:
            readings.insert(0, (own, "as its vectorize writes text"))
        failure = None
        for reading, said in readings:
            try:
                sets = _dataset_pairs(parts, reading, blanks, digits, call, said)
                break
            except CheckFailed as exc:
                failure = failure or exc
        else:
            # read as the student's vectorize writes, a failure is create_dataset's own; a
            # vectorize whose output is no encoding leaves only ALPHABET's reading to try
            fault = None if own is not None else _vectorize_fault(art)
            raise CheckFailed(f"{failure}" + ("" if fault is None else (
                f". vectorize fails its own check too ({fault}), and create_dataset encodes "
                "with it: fix vectorize first")))
        shared = len(sets[0] & sets[1])
        expect(shared == 0 or not _keeps_both_orders(art),
               f"{call} puts {lib.count_text(shared, n_test)} of its {n_test} test questions in "
               "the training set too: "
               "generate_data gives a+b and b+a as two questions, so even one list split in "
               "two can hold a question in each part. Make generate_data skip a pair it "
               "already gave, in either order")
        expect(shared == 0, f"{call} puts {lib.count_text(shared, n_test)} of its {n_test} "
                            "test questions in the "
                            "training set too (a+b and b+a are one question): draw all questions "
                            "with one call of generate_data, then split")


def _keeps_both_orders(art: Artefacts) -> bool:
    """Whether the notebook's generate_data ever gave both a+b and b+a (a != b) in one list."""
    for i, (n, digits, _) in enumerate(cases.GENERATE_CASES):
        try:
            questions, _ = _lists(art, f"generate_{i}", n, "generate_data")
        except (CheckFailed, StudentCodeError):
            continue
        ordered = {cases.parse(q) for q in questions} - {None}
        if any(a != b and (b, a) in ordered for a, b in ordered):
            return True
    return False


# --- the formula and the model ----------------------------------------------------------------

_GATE_WORDS = {"SimpleRNN": "one set of weights", "GRU": "three gates", "LSTM": "four gates"}


def _formula_slips(cell: str, units: int, symbols: int) -> list[tuple[int, str]]:
    """(count, what it forgets or adds) for the usual slips in the seq2seq formula, each in
    words a message may say: which term differs, never the student's number."""
    rec, dense = lib.recurrent_params, lib.dense_params
    both = rec(cell, symbols, units) + rec(cell, units, units)
    out = []
    if cell == "GRU":
        out.append((rec(cell, symbols, units, reset_after=False)
                    + rec(cell, units, units, reset_after=False) + dense(units, symbols),
                    ("the count with reset_after=False, one bias per gate: Keras 3's GRU "
                     "defaults to reset_after=True, two biases per gate, 3 x units x (inputs "
                     "+ units + 2)")))
    for other in cases.CELLS:
        if other != cell:
            out.append((rec(other, symbols, units) + rec(other, units, units)
                        + dense(units, symbols),
                        f"the count of {other} ({_GATE_WORDS[other]}), where {cell} has "
                        + _GATE_WORDS[cell]))
    out += [
        (rec(cell, symbols, units, use_bias=False) + rec(cell, units, units, use_bias=False)
         + dense(units, symbols), "the count without the recurrent layers' biases"),
        (both, ("the count without the Dense layer: TimeDistributed(Dense) has "
                "(units + 1) x symbols weights of its own, shared by every step")),
        (both + dense(units, symbols, use_bias=False), "the count without the Dense layer's bias"),
        (2 * rec(cell, symbols, units) + dense(units, symbols),
         ("the count with a decoder that reads the symbols: it reads the repeated state of "
          "the encoder, `units` numbers per step")),
        (2 * rec(cell, units, units) + dense(units, symbols),
         ("the count with an encoder that reads `units` numbers per step: it reads the "
          "one-hot questions, `symbols` numbers per step")),
        (rec(cell, symbols, units) + dense(units, symbols),
         "the count without the decoder, the second recurrent layer"),
        (both + dense(units, symbols) * 2, "the count with the Dense layer counted twice"),
    ]
    return out


@check(1, "seq2seq_params should count the model's weights by formula for each kind of cell.",
       differently="Any arithmetic that gives Keras' count is right (a loop over the two "
                   "layers, a table of gates, lib-like helpers); only the returned number is "
                   "compared, as an int or a whole float, so a formula written in another "
                   "order or with other names passes",
       cheapest_wrong="Returning the notebook's two public figures (52,492 and 155,148) or "
                      "building the model and calling count_params would pass the public "
                      "cell; the hidden cases are six other (cell, units, symbols) triples, "
                      "symbols 5 to 20, so a table fails, and a count_params call is right "
                      "by construction (Keras is the reference), which the task allows")
def test_param_formula_matches_keras(art: Artefacts) -> None:
    for i, (cell, units, symbols) in enumerate(cases.FORMULA_CASES):
        got = lib.value(art, f"formula_{i}")
        want = cases.seq2seq_params(cell, units, symbols)
        if isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, bool) \
                and got == want:
            continue
        call = f"seq2seq_params({cell!r}, {units}, {symbols})"
        slip = next((how for count, how in _formula_slips(cell, units, symbols)
                     if count != want and isinstance(got, (int, float)) and got == count),
                    None)
        if slip is not None:
            raise CheckFailed(f"{call} gives {slip}; Keras counts {want:,}")
        raise CheckFailed(f"{call} gives {lib.describe(got, near=(want,))}; Keras counts "
                          f"{want:,}. Check the formula of {cell} in the table")


@check(3, "build_model should stack an encoder RNN, RepeatVector(digits + 1), a decoder RNN "
          "with return_sequences=True and a softmax Dense on every step.",
       differently="Sequential or functional, getattr(keras.layers, cell) or a "
                   "dict, TimeDistributed(Dense) or a plain Dense (keras-io), a "
                   "linear Dense followed by Activation('softmax') or Softmax() "
                   "(the older Keras example), Dropout anywhere, stacked encoder "
                   "or decoder layers, a Bidirectional encoder (its wrapped "
                   "layer's kind and units are read). A subclassed keras.Model "
                   "cannot be loaded in safe mode; its message says to use "
                   "built-in layers",
       cheapest_wrong="A build_model that ignores its arguments and always builds "
                      "LSTM(128) for 3 digits passes the notebook's own call; the "
                      "grader also builds (2, 'GRU', 16) and (4, 'SimpleRNN', "
                      "10), so input length, RepeatVector(digits + 1), cell and "
                      "units are each caught. A decoder without return_sequences, "
                      "an encoder with it, no RepeatVector, a relu or missing "
                      "softmax are each named with the layers as declared")
def test_model_has_seq2seq_layers(art: Artefacts) -> None:
    for name, digits, cell, units in _built(art):
        what = f"build_model({digits}, {cell!r}, {units})"
        _check_seq2seq(lib.model(art, name, f"the result of {what}"), digits, cell, units, what)


@check(1, "build_model's models should have exactly the weights the formula gives.",
       differently="The formula follows each layer's own settings (GRU's "
                   "reset_after, use_bias=False, a Bidirectional wrapper and its "
                   "merge mode, layers without weights), so any model whose "
                   "weights are what its declared layers should have passes, "
                   "whatever sizes it chose; a layer of another size than asked "
                   "costs the layers check only",
       cheapest_wrong="A layer that carries weights its declaration does not "
                      "account for (lora_rank on Dense, an extra Dense between "
                      "decoder and output is charged by the layers check "
                      "instead): the count is recomputed from the configuration, "
                      "and the message names the layer as declared and the term "
                      "that differs")
def test_model_params_match_formula(art: Artefacts) -> None:
    for name, digits, cell, units in _built(art):
        what = f"build_model({digits}, {cell!r}, {units})"
        net = lib.model(art, name, f"the result of {what}")
        # The formula follows each layer's own settings (GRU's reset_after, use_bias, a
        # wrapper): a layer of another size or kind than asked costs the layers check only.
        lib.expect_params(net, lib.layers(net), cases.SYMBOLS, what,
                          f" and {cases.SYMBOLS} one-hot inputs per step")


# --- accuracies -------------------------------------------------------------------------------

@check(1, "char_accuracy and exact_match should count right characters and wholly right "
          "answers.",
       differently="np.mean of a boolean array, sums divided by sizes, np.all "
                   "over the last axis for exact matches; ints and floats "
                   "(np.float64 among them) are accepted, compared to 1e-6. The "
                   "guesses are "
                   "probabilities, not one-hot, so argmax is needed either way",
       cheapest_wrong="exact_match computed per character (the same as "
                      "char_accuracy) fails, because five answers of twenty are "
                      "half right; argmax over axis 1 (time) is caught and its "
                      "share said; thresholding at 0.5 gives another share on "
                      "probabilities spread over 12 symbols")
def test_accuracies_match_reference(art: Artefacts) -> None:
    truth, guess = cases.ACCURACY_TRUTH, cases.ACCURACY_GUESS
    for name, want, rule in (
        ("char_accuracy", cases.char_accuracy(truth, guess), "the share of characters right"),
        ("exact_match", cases.exact_match(truth, guess),
         "the share of answers with every character right"),
    ):
        got = lib.value(art, name)
        expect(isinstance(got, (int, float)) and not isinstance(got, bool),
               f"{name} should return a number; it returned {type(got).__name__}")
        expect(math.isclose(got, want, abs_tol=1e-6),
               f"on {len(truth)} answers of {truth.shape[1]} characters {name} gives "
               f"{lib.share_text(got)}, not {rule}")


# --- the saved model --------------------------------------------------------------------------

@check(2, f"{MODEL_FILE} should hold the model build_model(DIGITS, CELL, UNITS) builds, trained.",
       differently="Any training (optimizer, epochs, callbacks) and saving with "
                   "or without the optimizer state pass: only the layers as "
                   "declared, the parameter count and the input shape are "
                   "compared with build_model(DIGITS, CELL, UNITS), so a "
                   "functional model saved from a Sequential build, or the "
                   "reverse, with the same layers, passes",
       cheapest_wrong="An untrained build_model saved at once passes here; the "
                      "fresh-question check charges it 4 points. A model from an "
                      "earlier experiment (another cell, a Bidirectional encoder "
                      "added after training) is named with both layer lists, "
                      "wrappers included")
def test_saved_model_matches_notebook(art: Artefacts) -> None:
    saved = lib.saved_model(art, MODEL_FILE, f"the model in {MODEL_FILE}")
    built = lib.model(art, _built(art)[0][0], "the result of build_model(DIGITS, CELL, UNITS)")
    saved_layers, built_layers = _describe(saved), _describe(built)
    expect(saved_layers == built_layers and saved.count_params() == built.count_params()
           and tuple(saved.inputs[0].shape) == tuple(built.inputs[0].shape),
           f"{MODEL_FILE} holds {saved_layers}, but build_model(DIGITS, CELL, UNITS) builds "
           f"{built_layers}: "
           "train the model the notebook builds and save it again")


@check(4, f"The model in {MODEL_FILE} should add 3-digit numbers it has never seen, every "
          "character of the answer right.",
       differently="Any cell, size or REVERSE: the grader encodes its 2,000 fresh "
                   "questions with the notebook's own REVERSE and reads the "
                   "softmax outputs by argmax, so a model that adds passes "
                   "whatever it is made of; a model loaded in safe mode from "
                   "built-in layers only",
       cheapest_wrong="An untrained or barely trained model of the right layers "
                      "(the saved-model layers check passes it) gets almost no answer "
                      "right and is charged here. Memorising is no way round: short "
                      "questions recur in any 50,000 drawn, but more than half of the "
                      "fresh ones hold a 3-digit operand. A failure that follows from "
                      "vectorize or an unpadded generate_data says to fix that first")
def test_saved_model_adds_fresh_questions(art: Artefacts) -> None:
    reverse = _reverse(art)
    digits = lib.value(art, "digits")
    expect(digits == cases.DIGITS,
           f"DIGITS should stay {cases.DIGITS}; it is {lib.describe(digits, near=(cases.DIGITS,))}")
    saved = lib.saved_model(art, MODEL_FILE, f"the model in {MODEL_FILE}")
    score = lib.measure("exact_match", cases.measure_exact_match(saved, reverse))
    needed = THRESHOLDS["exact_match"]
    if score >= needed:
        return
    # The model learnt from what generate_data and vectorize made: if either fails its own
    # check, that is the likelier cause, and the student should fix it before training again.
    fault = _vectorize_fault(art)
    cause = (f" The model learnt from the encoding of vectorize, which fails its own check "
             f"({fault}): fix vectorize first, then train again." if fault is not None else
             " The model learnt from the answers of generate_data, which are not padded with "
             "spaces (its padding check fails), so it never learnt to write the padding: fix "
             "generate_data first, then train again." if _unpadded(art) else
             " Train longer (EarlyStopping keeps the best epoch), or try reversed questions or "
             "an LSTM.")
    raise CheckFailed(f"on {cases.FRESH_COUNT} new questions (encoded with REVERSE = {reverse}) "
                      f"it gets {score:.1%} of the answers exactly right; at least "
                      f"{needed:.0%} are needed.{cause}")
