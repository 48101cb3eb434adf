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

_KERAS_IO = {
    "generate_data": (WHOLE_CELL, '''
def generate_data(n: int, digits: int, seed: int) -> tuple[list[str], list[str]]:
    """keras-io's addition example: a random length, then that many random digits."""
    rng = np.random.default_rng(seed)
    f = lambda: int("".join(rng.choice(list("0123456789"))
                            for i in range(rng.integers(1, digits + 1))))
    seen = set()
    questions, expected = [], []
    while len(questions) < n:
        a, b = f(), f()
        key = tuple(sorted((a, b)))
        if key in seen:
            continue
        seen.add(key)
        q = "{}+{}".format(a, b)
        questions.append(q + " " * (2 * digits + 1 - len(q)))
        ans = str(a + b)
        expected.append(ans + " " * (digits + 1 - len(ans)))
    return questions, expected
'''),
    "vectorize": (WHOLE_CELL, '''
class CharacterTable:
    """keras-io's helper: one-hot encode strings over a fixed set of characters."""

    def __init__(self, chars):
        self.chars = chars
        self.char_indices = dict((c, i) for i, c in enumerate(self.chars))
        self.indices_char = dict((i, c) for i, c in enumerate(self.chars))

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)), dtype="float32")
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return "".join(self.indices_char[x] for x in x)


ctable = CharacterTable(ALPHABET)


def vectorize(questions, answers, digits, reverse=False):
    maxlen = 2 * digits + 1
    x = np.zeros((len(questions), maxlen, len(ALPHABET)), dtype="float32")
    y = np.zeros((len(questions), digits + 1, len(ALPHABET)), dtype="float32")
    for i, sentence in enumerate(questions):
        x[i] = ctable.encode(sentence[::-1] if reverse else sentence, maxlen)
    for i, sentence in enumerate(answers):
        y[i] = ctable.encode(sentence, digits + 1)
    return x, y
'''),
    "devectorize": (WHOLE_CELL, '''
def devectorize(probabilities):
    return [ctable.decode(row) for row in np.asarray(probabilities)]
'''),
    "build_model": (WHOLE_CELL, '''
def build_model(digits, cell="LSTM", units=128):
    """keras-io's Sequential.add, the Dense layer applied to every step without a wrapper."""
    RNN = getattr(keras.layers, cell)
    model = keras.Sequential()
    model.add(keras.Input(shape=(2 * digits + 1, len(ALPHABET))))
    model.add(RNN(units))
    model.add(keras.layers.RepeatVector(digits + 1))
    for _ in range(1):  # keras-io's num_layers
        model.add(RNN(units, return_sequences=True))
    model.add(keras.layers.Dense(len(ALPHABET), activation="softmax"))
    return model
'''),
}

_SOFTMAX_LAYER = {
    "build_model": (WHOLE_CELL, '''
def build_model(digits, cell="LSTM", units=128):
    """The older Keras example: a linear TimeDistributed(Dense), then a softmax layer."""
    rnn = getattr(keras.layers, cell)
    return keras.Sequential([
        keras.Input((2 * digits + 1, len(ALPHABET))),
        rnn(units),
        keras.layers.Dropout(0.1),
        keras.layers.RepeatVector(digits + 1),
        rnn(units, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(len(ALPHABET))),
        keras.layers.Activation("softmax"),
    ])
'''),
}

_TO_CATEGORICAL = {
    "vectorize": (WHOLE_CELL, '''
def vectorize(questions, answers, digits, reverse=False):
    """Indices through a lookup table, one-hot by keras.utils.to_categorical, np.flip."""
    table = {char: i for i, char in enumerate(ALPHABET)}
    q_ids = np.array([[table[c] for c in q] for q in questions]).reshape(-1, 2 * digits + 1)
    a_ids = np.array([[table[c] for c in a] for a in answers]).reshape(-1, digits + 1)
    x = keras.utils.to_categorical(q_ids, num_classes=len(ALPHABET)).astype("float32")
    y = keras.utils.to_categorical(a_ids, num_classes=len(ALPHABET)).astype("float32")
    return (np.flip(x, axis=1).copy() if reverse else x), y
'''),
    "devectorize": (WHOLE_CELL, '''
def devectorize(probabilities):
    return ["".join(np.take(list(ALPHABET), row)) for row in np.argmax(probabilities, axis=2)]
'''),
    "create_dataset": (WHOLE_CELL, '''
def create_dataset(n_train, n_test, digits, seed, reverse=False):
    """One draw, shuffled by a permutation, then cut (the train_test_split idiom)."""
    x, y = vectorize(*generate_data(n_train + n_test, digits, seed), digits, reverse)
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:n_train], order[n_train:]
    return x[train], y[train], x[test], y[test]
'''),
    "accuracies": (WHOLE_CELL, '''
def char_accuracy(y_true, y_pred):
    right = np.argmax(y_true, axis=2) == np.argmax(y_pred, axis=2)
    return right.sum() / right.size


def exact_match(y_true, y_pred):
    right = np.argmax(y_true, axis=2) == np.argmax(y_pred, axis=2)
    return float(right.all(axis=1).mean())
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
        loses=frozenset({"generate_data_pads_to_fixed_length",
                         "saved_model_adds_fresh_questions"}),
        says={"generate_data_pads_to_fixed_length": "every answer should be 4 characters",
              "saved_model_adds_fresh_questions": "fix generate_data first"},
        why="short answers leave all-zero target steps, so the model never learns to write "
            "the padding space and gets every short sum wrong. create_dataset splits them "
            "right and keeps its points",
    ),
    Variant(
        student="mistake-alphabet-sorted",
        edits={"vectorize": ("index = {char: i for i, char in enumerate(ALPHABET)}",
                             "index = {char: i for i, char in enumerate(sorted(ALPHABET))}")},
        files=_own("mistake-alphabet-sorted"),
        loses=frozenset({"vectorize_matches_reference", "saved_model_adds_fresh_questions"}),
        says={"vectorize_matches_reference": "other columns than ALPHABET",
              "saved_model_adds_fresh_questions": "fix vectorize first"},
        why="sorted(ALPHABET) puts ' ' and '+' first, as the one-hot assignment taught; the "
            "model learns that order and reads the specified encoding as nonsense. "
            "create_dataset, read in that order, splits right and keeps its points",
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
        says={"param_formula_matches_keras": "without the recurrent layers' biases"},
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
    # --- realistic mistakes in other idioms ------------------------------------------------
    Variant(
        student="mistake-answers-reversed-too",
        edits={"vectorize": ("    if reverse:\n        questions = [q[::-1] for q in questions]",
                             "    if reverse:\n        questions = [q[::-1] for q in questions]\n"
                             "        answers = [a[::-1] for a in answers]")},
        loses=frozenset({"vectorize_reverses_questions"}),
        says={"vectorize_reverses_questions": "only questions are reversed"},
        why="reverse=True applied to both lists, questions and answers, in one loop; "
            "create_dataset reads the answers as this vectorize writes them and keeps its "
            "points. It hands in the model trained before the change",
    ),
    Variant(
        student="mistake-reversed-before-padding",
        edits={"vectorize": ("        questions = [q[::-1] for q in questions]",
                             "        questions = [q.strip()[::-1].ljust(len(q)) for q in questions]")},
        loses=frozenset({"vectorize_reverses_questions"}),
        says={"vectorize_reverses_questions": "pads it again"},
        why="the text reversed and padded again, as blog versions of the seq2seq example do "
            "before padding; create_dataset, read in that order, keeps its points. It hands "
            "in the model trained before the change",
    ),
    Variant(
        student="mistake-gru-formula-one-bias",
        edits={"seq2seq_params": ("            return 3 * units * (inputs + units + 2)",
                                  "            return 3 * per_gate")},
        loses=frozenset({"param_formula_matches_keras"}),
        says={"param_formula_matches_keras": "reset_after=False"},
        why="the GRU of the original paper and of Keras 2's reset_after=False, one bias per "
            "gate: Keras 3 counts two",
    ),
    Variant(
        student="mistake-exact-match-per-character",
        edits={"accuracies": ("    right = np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)\n"
                              "    return float(np.mean(np.all(right, axis=-1)))",
                              "    right = np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)\n"
                              "    return float(np.mean(right))")},
        loses=frozenset({"accuracies_match_reference"}),
        says={"accuracies_match_reference": "exact_match gives"},
        why="Keras' accuracy metric, the share of characters, taken for exact match",
    ),
    Variant(
        student="mistake-bidirectional-after-training",
        edits={"build_model": ("        rnn(units),                                  # encoder",
                               "        keras.layers.Bidirectional(rnn(units)),      # encoder")},
        loses=frozenset({"saved_model_matches_notebook"}),
        says={"saved_model_matches_notebook": "Bidirectional(LSTM(128))"},
        why="a Bidirectional encoder, as the keras-io bidirectional LSTM example wraps it, "
            "added after the model was trained: the file handed in holds the plain LSTM",
    ),
    # --- other correct answers in other idioms ------------------------------------------------
    Variant(
        student="correct-keras-io-character-table",
        edits=_KERAS_IO,
        why="keras-io's addition example: its lambda for operands, sorted-tuple keys, the "
            "CharacterTable class, q[::-1] and a Dense on every step without TimeDistributed",
    ),
    Variant(
        student="correct-dense-then-softmax-layer",
        edits=_SOFTMAX_LAYER,
        files=_own("correct-dense-then-softmax-layer"),
        why="the older Keras addition example: a linear TimeDistributed(Dense), then "
            "Activation('softmax'), with Dropout after the encoder",
    ),
    Variant(
        student="correct-to-categorical-permutation",
        edits=_TO_CATEGORICAL,
        why="keras.utils.to_categorical cast to float32, np.flip, a permutation split as "
            "train_test_split does, and metrics as sums over sizes",
    ),
]
