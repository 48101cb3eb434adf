"""Sample submissions of the addition assignment, written as edits of the solution notebook.

Each sample hands in `addition_model.keras` as a student would: the model its own notebook
trained (`python -m autograder samples addition --train-models` trains them, minutes each), or
another sample's model where that is the mistake. `loses` lists exactly the checks each
mistake must fail, including those it breaks further down the notebook.
"""

from autograder.samples import WHOLE_CELL, Variant

FILES = {"addition_model.keras": "solution"}
"""What the solution hands in, and every variant that names no files of its own."""


def _own(student: str) -> dict[str, str | None]:
    return {"addition_model.keras": student}


_OTHER_IMPLEMENTATIONS = {
    "generate_data": (WHOLE_CELL, '''
import random


def generate_data(n: int, digits: int, seed: int) -> tuple[list[str], list[str]]:
    """n distinct questions "a+b" and their answers, padded with spaces."""
    draw = random.Random(seed)
    pairs: dict[frozenset, tuple[int, int]] = {}
    while len(pairs) < n:
        a = int("".join(draw.choice("0123456789") for _ in range(draw.randint(1, digits))))
        b = int("".join(draw.choice("0123456789") for _ in range(draw.randint(1, digits))))
        pairs.setdefault(frozenset((a, b)), (a, b))
    questions = [f"{a}+{b}".ljust(2 * digits + 1) for a, b in pairs.values()]
    answers = [f"{a + b:<{digits + 1}}" for a, b in pairs.values()]
    return questions, answers
'''),
    "vectorize": (WHOLE_CELL, '''
def vectorize(questions, answers, digits, reverse=False):
    """One-hot rows of an identity matrix, looked up by character position in ALPHABET."""
    eye = np.eye(len(ALPHABET), dtype=np.float32)
    x = np.stack([eye[[ALPHABET.index(c) for c in (q[::-1] if reverse else q)]]
                  for q in questions])
    y = np.stack([eye[[ALPHABET.index(c) for c in a]] for a in answers])
    return x, y
'''),
    "devectorize": (WHOLE_CELL, '''
def devectorize(probabilities):
    return ["".join(map(ALPHABET.__getitem__, np.argmax(row, axis=1))) for row in probabilities]
'''),
    "build_model": (WHOLE_CELL, '''
def build_model(digits, cell="LSTM", units=128):
    """The functional API; a plain Dense on a 3-D tensor also works step by step."""
    layer = {"SimpleRNN": keras.layers.SimpleRNN, "GRU": keras.layers.GRU,
             "LSTM": keras.layers.LSTM}[cell]
    question = keras.Input(shape=(2 * digits + 1, len(ALPHABET)))
    state = layer(units)(question)
    steps = layer(units, return_sequences=True)(keras.layers.RepeatVector(digits + 1)(state))
    return keras.Model(question, keras.layers.Dense(len(ALPHABET), activation="softmax")(steps))
'''),
}

_LOOPS_AND_ADD = {
    "create_dataset": (WHOLE_CELL, '''
def create_dataset(n_train, n_test, digits, seed, reverse=False):
    questions, answers = generate_data(n_train + n_test, digits, seed)
    x_train, y_train = vectorize(questions[:n_train], answers[:n_train], digits, reverse)
    x_test, y_test = vectorize(questions[n_train:], answers[n_train:], digits, reverse)
    return x_train, y_train, x_test, y_test
'''),
    "seq2seq_params": (WHOLE_CELL, '''
def seq2seq_params(cell, units, symbols=12):
    gates = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}[cell]
    total = 0
    for inputs in (symbols, units):  # the encoder reads symbols, the decoder the state
        biases = 2 if cell == "GRU" else 1  # reset_after: a second bias per gate
        total += gates * units * (inputs + units + biases)
    return total + units * symbols + symbols
'''),
    "build_model": (WHOLE_CELL, '''
def build_model(digits, cell="LSTM", units=128):
    layer = {"SimpleRNN": keras.layers.SimpleRNN, "GRU": keras.layers.GRU,
             "LSTM": keras.layers.LSTM}[cell]
    model = keras.Sequential()
    model.add(keras.Input(shape=(2 * digits + 1, len(ALPHABET))))
    model.add(layer(units))
    model.add(keras.layers.RepeatVector(digits + 1))
    model.add(layer(units, return_sequences=True))
    model.add(keras.layers.TimeDistributed(keras.layers.Dense(len(ALPHABET),
                                                              activation="softmax")))
    return model
'''),
}

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-no-repeat-vector",
        edits={"build_model": (
            ("        rnn(units),                                  # encoder: the question's final state\n"
            "        keras.layers.RepeatVector(digits + 1),       # that state, once per answer character\n"),
            "        rnn(units, return_sequences=True),\n")},
        files={"addition_model.keras": None},
        loses=frozenset({"model_has_seq2seq_layers", "saved_model_matches_notebook",
                         "saved_model_adds_fresh_questions"}),
        says={"model_has_seq2seq_layers": "has no RepeatVector"},
        why="the encoder hands its whole sequence to the decoder, so the model answers with 7 "
            "characters, not 4: fit fails and no model is saved",
    ),
    Variant(
        student="mistake-decoder-without-sequences",
        edits={"build_model": ("rnn(units, return_sequences=True),           # decoder",
                               "rnn(units),                                  # decoder")},
        files={"addition_model.keras": None},
        loses=frozenset({"model_has_seq2seq_layers", "model_params_match_formula",
                         "saved_model_matches_notebook", "saved_model_adds_fresh_questions"}),
        says={"model_has_seq2seq_layers": "raised"},
        why="the decoder gives one vector for the whole answer; TimeDistributed refuses it, so "
            "build_model raises and nothing is trained",
    ),
    Variant(
        student="mistake-answers-not-padded",
        edits={"generate_data": ("answers.append(str(a + b).ljust(digits + 1))",
                                 "answers.append(str(a + b))")},
        files=_own("mistake-answers-not-padded"),
        loses=frozenset({"generate_data_pads_to_fixed_length", "create_dataset_keeps_test_apart",
                         "saved_model_adds_fresh_questions"}),
        says={"generate_data_pads_to_fixed_length": "every answer should be 4 characters",
              "create_dataset_keeps_test_apart": "the padding spaces too"},
        why="short answers leave all-zero target steps, so the model never learns to write "
            "the padding space and gets every short sum wrong",
    ),
    Variant(
        student="mistake-alphabet-sorted",
        edits={"vectorize": ("index = {char: i for i, char in enumerate(ALPHABET)}",
                             "index = {char: i for i, char in enumerate(sorted(ALPHABET))}")},
        files=_own("mistake-alphabet-sorted"),
        loses=frozenset({"vectorize_matches_reference", "create_dataset_keeps_test_apart",
                         "saved_model_adds_fresh_questions"}),
        says={"vectorize_matches_reference": "other columns than ALPHABET",
              "create_dataset_keeps_test_apart": "read with ALPHABET"},
        why="sorted(ALPHABET) puts ' ' and '+' first, as the one-hot assignment taught; the "
            "model learns that order and reads the specified encoding as nonsense",
    ),
    Variant(
        student="mistake-undertrained",
        edits={"train_model": ("EPOCHS = 30", "EPOCHS = 2")},
        files=_own("mistake-undertrained"),
        loses=frozenset({"saved_model_adds_fresh_questions"}),
        says={"saved_model_adds_fresh_questions": "train longer"},
        why="two epochs teach the model the answers' shape, not the sums",
    ),
    Variant(
        student="mistake-saved-another-model",
        edits={},
        files={"addition_model.keras": "correct-simplernn-reversed"},
        loses=frozenset({"saved_model_matches_notebook"}),
        says={"saved_model_matches_notebook": "holds ['SimpleRNN(128)"},
        why=("the notebook builds an LSTM, but the file handed in is a SimpleRNN from an "
             "earlier experiment; it adds well enough, but it is not the notebook's model"),
    ),
    Variant(
        student="mistake-test-overlaps-train",
        edits={"create_dataset": (
            ("    questions, answers = generate_data(n_train + n_test, digits, seed)\n"
            "    x, y = vectorize(questions, answers, digits, reverse)\n"
            "    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]"),
            ("    x_train, y_train = vectorize(*generate_data(n_train, digits, seed), digits, reverse)\n"
            "    x_test, y_test = vectorize(*generate_data(n_test, digits, seed + 1), digits, reverse)\n"
            "    return x_train, y_train, x_test, y_test"))},
        loses=frozenset({"create_dataset_keeps_test_apart"}),
        says={"create_dataset_keeps_test_apart": "one call of generate_data"},
        why="two calls of generate_data draw common short questions twice, in both sets",
    ),
    Variant(
        student="mistake-formula-without-bias",
        edits={"seq2seq_params": ("per_gate = units * (inputs + units + 1)",
                                  "per_gate = units * (inputs + units)")},
        loses=frozenset({"param_formula_matches_keras"}),
        says={"param_formula_matches_keras": "Keras counts"},
        why="forgets each recurrent unit's bias",
    ),
    Variant(
        student="mistake-both-orders-kept",
        edits={"generate_data": ("key = (min(a, b), max(a, b))", "key = (a, b)")},
        loses=frozenset({"generate_data_answers_are_sums", "create_dataset_keeps_test_apart"}),
        says={"generate_data_answers_are_sums": "a+b is the same question as b+a",
              "create_dataset_keeps_test_apart": "gives a+b and b+a as two questions"},
        why="only repeated (a, b) are skipped: 3+5 and 5+3 both come out, so one call then a "
            "split still puts a question in both sets",
    ),
    Variant(
        student="mistake-operands-uniform",
        edits={"generate_data": (
            ("        length = int(rng.integers(1, digits + 1))\n"
            "        return int(rng.integers(0, 10 ** length))"),
            "        return int(rng.integers(0, 10 ** digits))")},
        loses=frozenset({"generate_data_answers_are_sums"}),
        says={"generate_data_answers_are_sums": "operands of fewer than"},
        why="operands uniform in 0..999: nine in ten have three digits, so short sums are rare "
            "in training",
    ),
    Variant(
        student="mistake-accuracy-wrong-axis",
        edits={"accuracies": (
            "return float(np.mean(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)))",
            "return float(np.mean(np.argmax(y_true, axis=1) == np.argmax(y_pred, axis=1)))")},
        loses=frozenset({"accuracies_match_reference"}),
        says={"accuracies_match_reference": "char_accuracy gives"},
        why="argmax over the time axis: the step of each symbol's highest score, not the "
            "character of each step",
    ),
    Variant(
        student="mistake-devectorize-strips-padding",
        edits={"devectorize": ('return ["".join(ALPHABET[i] for i in row) for row in best]',
                               ('return ["".join(ALPHABET[i] for i in row).strip() '
                               'for row in best]'))},
        loses=frozenset({"devectorize_inverts_vectorize"}),
        says={"devectorize_inverts_vectorize": "spaces kept"},
        why="strips the padding spaces to print nicer answers: no longer the inverse of "
            "vectorize",
    ),
    Variant(
        student="mistake-repeat-vector-digits",
        edits={"build_model": ("keras.layers.RepeatVector(digits + 1),",
                               "keras.layers.RepeatVector(digits),    ")},
        files={"addition_model.keras": None},
        loses=frozenset({"model_has_seq2seq_layers", "saved_model_matches_notebook",
                         "saved_model_adds_fresh_questions"}),
        says={"model_has_seq2seq_layers": "repeats 3 times"},
        why="one answer character per operand digit, forgetting the carry: the model answers "
            "with 3 characters, fit refuses the 4-character targets and nothing is saved",
    ),
    # --- other correct answers ----------------------------------------------------------------
    Variant(
        student="correct-simplernn-reversed",
        edits={"choices": ('CELL = "LSTM"', 'CELL = "SimpleRNN"')},
        files=_own("correct-simplernn-reversed"),
        why="the seed's SimpleRNN, helped by reversed questions",
    ),
    Variant(
        student="correct-lstm-not-reversed",
        edits={"choices": ("REVERSE = True", "REVERSE = False")},
        files=_own("correct-lstm-not-reversed"),
        why="questions read forwards: slower to learn, still well above the bound",
    ),
    Variant(
        student="correct-other-implementations",
        edits=_OTHER_IMPLEMENTATIONS,
        why="Python's random, np.eye lookups, the functional API with a plain Dense",
    ),
    Variant(
        student="correct-loops-and-add",
        edits=_LOOPS_AND_ADD,
        why="strings split before encoding, a loop over encoder and decoder for the formula "
            "and Sequential.add",
    ),
]
