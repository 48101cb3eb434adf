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

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-no-repeat-vector",
        edits={"build_model": (
            "        rnn(units),                                  # encoder: the question's final state\n"  # noqa: E501
            "        keras.layers.RepeatVector(digits + 1),       # that state, once per answer character\n",  # noqa: E501
            "        rnn(units, return_sequences=True),\n")},
        files={"addition_model.keras": None},
        loses=frozenset({"model_has_seq2seq_layers", "saved_model_matches_notebook",
                         "saved_model_adds_fresh_questions"}),
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
        why="sorted(ALPHABET) puts ' ' and '+' first, as the one-hot assignment taught; the "
            "model learns that order and reads the specified encoding as nonsense",
    ),
    Variant(
        student="mistake-undertrained",
        edits={"train_model": ("EPOCHS = 30", "EPOCHS = 2")},
        files=_own("mistake-undertrained"),
        loses=frozenset({"saved_model_adds_fresh_questions"}),
        why="two epochs teach the model the answers' shape, not the sums",
    ),
    Variant(
        student="mistake-saved-another-model",
        edits={},
        files={"addition_model.keras": "correct-simplernn-reversed"},
        loses=frozenset({"saved_model_matches_notebook"}),
        why=("the notebook builds an LSTM, but the file handed in is a SimpleRNN from an "
             "earlier experiment; it adds well enough, but it is not the notebook's model"),
    ),
    Variant(
        student="mistake-test-overlaps-train",
        edits={"create_dataset": (
            "    questions, answers = generate_data(n_train + n_test, digits, seed)\n"
            "    x, y = vectorize(questions, answers, digits, reverse)\n"
            "    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]",
            "    x_train, y_train = vectorize(*generate_data(n_train, digits, seed), digits, reverse)\n"  # noqa: E501
            "    x_test, y_test = vectorize(*generate_data(n_test, digits, seed + 1), digits, reverse)\n"  # noqa: E501
            "    return x_train, y_train, x_test, y_test")},
        loses=frozenset({"create_dataset_keeps_test_apart"}),
        why="two calls of generate_data draw common short questions twice, in both sets",
    ),
    Variant(
        student="mistake-formula-without-bias",
        edits={"seq2seq_params": ("per_gate = units * (inputs + units + 1)",
                                  "per_gate = units * (inputs + units)")},
        loses=frozenset({"param_formula_matches_keras"}),
        why="forgets each recurrent unit's bias",
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
]
