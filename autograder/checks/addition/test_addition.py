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


def _canonical(array: np.ndarray, what: str) -> list[str]:
    """Decode a one-hot array over ALPHABET; fail if a step is not exactly one 1."""
    expect(array.ndim == 3 and array.shape[-1] == cases.SYMBOLS,
           f"{what} should have shape (n, length, {cases.SYMBOLS}); it has "
           f"{lib.shape_text(array.shape)}")
    expect(bool(np.all((array == 0) | (array == 1))) and bool(np.all(array.sum(-1) == 1)),
           f"every step of {what} should hold exactly one 1 (the padding spaces too)")
    return cases.devectorize(array)


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


def _check_seq2seq(net, digits: int, cell: str, units: int, what: str) -> None:
    """Encoder -> RepeatVector(digits + 1) -> decoder with sequences -> softmax on each step."""
    expect(tuple(net.inputs[0].shape) == (None, 2 * digits + 1, cases.SYMBOLS),
           f"{what} should read questions of shape (None, {2 * digits + 1}, {cases.SYMBOLS}); "
           f"it reads {tuple(net.inputs[0].shape)}")
    stack, described = lib.layers(net), _describe(net)
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
    expect(lib.inner(decoder[-1]).units == cases.SYMBOLS and lib.final_activation(net) == "softmax",
           f"the last layer of {what} should be Dense({cases.SYMBOLS}, activation='softmax'), one "
           f"probability per symbol; it is {described[-1]}")
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
          "digits, a+b and b+a counted once), each with its sum.")
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
          "digits + 1, with spaces on the right.")
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
          "another seed.")
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


@check(2, "vectorize should one-hot encode questions and answers over ALPHABET, in float32.")
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
          "to its first, and leave the answers as they are.")
def test_vectorize_reverses_questions(art: Artefacts) -> None:
    for i in range(len(cases.VECTORIZE_CASES)):
        x, y, _ = _vectorized(art, i, False)
        rx, ry, call = _vectorized(art, i, True)
        expect(rx.shape == x.shape and np.array_equal(rx, x[:, ::-1]),
               f"the x of {call} should be the x of reverse=False with the time axis reversed "
               "(the padded question read from its last character)")
        expect(ry.shape == y.shape and np.array_equal(ry, y),
               f"the y of {call} differs from reverse=False: only questions are reversed")


@check(1, "devectorize should turn (n, length, 12) probabilities into n strings, taking the "
          "most likely character at each step.")
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

@check(2, "create_dataset should return one-hot training and test sets with no question in "
          "both.")
def test_create_dataset_keeps_test_apart(art: Artefacts) -> None:
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
        decoded = [_canonical(part, f"the {name} of {call}") for part, name in zip(parts, names)]
        sets = []
        for questions, answers, role in ((decoded[0], decoded[1], "training"),
                                         (decoded[2], decoded[3], "test")):
            pairs = set()
            for j, (question, answer) in enumerate(zip(questions, answers)):
                question = question[::-1] if reverse else question
                parsed = cases.parse(question)
                row = (f"the {lib.ordinal(j)} {role} row of {call}, read with ALPHABET = "
                       "'0123456789+ '" + (" (questions reversed)" if reverse else ""))
                expect(parsed is not None, f"{row}, is not a padded question 'a+b'")
                expect(answer.strip() == str(sum(parsed))
                       and answer == answer.strip().ljust(digits + 1),
                       f"{row}, has an answer that is not the sum of its question, padded "
                       "with spaces on the right")
                pairs.add((min(parsed), max(parsed)))
            sets.append(pairs)
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

@check(1, "seq2seq_params should count the model's weights by formula for each kind of cell.")
def test_param_formula_matches_keras(art: Artefacts) -> None:
    for i, (cell, units, symbols) in enumerate(cases.FORMULA_CASES):
        got = lib.value(art, f"formula_{i}")
        want = cases.seq2seq_params(cell, units, symbols)
        expect(got == want, f"seq2seq_params({cell!r}, {units}, {symbols}) gives "
                            f"{lib.describe(got, near=(want,))}; Keras counts {want}. Check the "
                            "formula of "
                            f"{cell} in the table")


@check(3, "build_model should stack an encoder RNN, RepeatVector(digits + 1), a decoder RNN "
          "with return_sequences=True and a softmax Dense on every step.")
def test_model_has_seq2seq_layers(art: Artefacts) -> None:
    for name, digits, cell, units in _built(art):
        what = f"build_model({digits}, {cell!r}, {units})"
        _check_seq2seq(lib.model(art, name, f"the result of {what}"), digits, cell, units, what)


@check(1, "build_model's models should have exactly the weights the formula gives.")
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
          "answers.")
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

@check(2, f"{MODEL_FILE} should hold the model build_model(DIGITS, CELL, UNITS) builds, trained.")
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
          "character of the answer right.")
def test_saved_model_adds_fresh_questions(art: Artefacts) -> None:
    reverse = _reverse(art)
    digits = lib.value(art, "digits")
    expect(digits == cases.DIGITS,
           f"DIGITS should stay {cases.DIGITS}; it is {lib.describe(digits, near=(cases.DIGITS,))}")
    saved = lib.saved_model(art, MODEL_FILE, f"the model in {MODEL_FILE}")
    score = lib.measure("exact_match", cases.measure_exact_match(saved, reverse))
    needed = THRESHOLDS["exact_match"]
    expect(score >= needed,
           f"on {cases.FRESH_COUNT} new questions (encoded with REVERSE = {reverse}) it gets "
           f"{score:.1%} of the answers exactly right; at least {needed:.0%} are needed. Train "
           "longer (EarlyStopping keeps the best epoch), or try reversed questions or an LSTM")
