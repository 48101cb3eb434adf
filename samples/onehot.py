"""Sample submissions of the one-hot assignment: realistic mistakes and other correct solutions.

Each variant edits the solution notebook (cells by nbgrader grade_id) and names the checks it
must lose; tests/test_sample_grades.py holds the grader to exactly that.
"""

from autograder.samples import WHOLE_CELL, Variant

VARIANTS = [
    Variant(
        "mistake-unsorted-vocabulary",
        {"build_vocabulary": ("return sorted(set(text))", "return list(set(text))")},
        loses=frozenset({"vocabulary_is_sorted_and_unique"}),
        says={"vocabulary_is_sorted_and_unique": "not in sorted order"},
        why="the seed's list(set(...)): the order changes from run to run",
    ),
    Variant(
        "mistake-one-hot-float64",
        {"one_hot": ("np.eye(vocab_size, dtype=np.float32)[indices]", "np.eye(vocab_size)[indices]")},
        loses=frozenset({"one_hot_is_float32"}),
        says={"one_hot_is_float32": "float64, not float32"},
        why="numpy's default float64, as keras.utils.to_categorical returns",
    ),
    Variant(
        "mistake-one-hot-wrong-axis",
        {"one_hot": ("np.eye(vocab_size, dtype=np.float32)[indices]",
                     "np.eye(vocab_size, dtype=np.float32)[indices].transpose(0, 2, 1)")},
        loses=frozenset({"one_hot_has_vocab_axis_last", "xy_targets_are_next_characters",
                         "hihello_model_predicts_ihello", "dense_model_has_no_recurrence",
                         "sentence_model_predicts_next_characters"}),
        says={"one_hot_has_vocab_axis_last": "the vocabulary should be the last axis"},
        why="(batch, vocab, steps): the models cannot train on it, so they lose their checks too",
    ),
    Variant(
        "mistake-off-by-one-targets",
        {"make_xy": ("y = indices[np.newaxis, 1:]", "y = indices[np.newaxis, :-1]")},
        loses=frozenset({"xy_targets_are_next_characters", "hihello_model_predicts_ihello",
                         "dense_model_has_no_recurrence",
                         "sentence_model_predicts_next_characters"}),
        says={"xy_targets_are_next_characters": "each step's own character"},
        why="targets not shifted: the models learn to copy their input",
    ),
    Variant(
        "mistake-no-return-sequences",
        {"build_char_rnn": ("keras.layers.SimpleRNN(units, return_sequences=True)",
                            "keras.layers.SimpleRNN(units)")},
        loses=frozenset({"char_rnn_returns_a_sequence_of_softmax",
                         "hihello_model_predicts_ihello",
                         "sentence_model_predicts_next_characters"}),
        says={"char_rnn_returns_a_sequence_of_softmax": "return_sequences=True"},
        why="only the last step comes out, so the per-step targets cannot be fitted",
    ),
    Variant(
        "mistake-no-recurrence",
        {"build_char_rnn": ("keras.layers.SimpleRNN(units, return_sequences=True)(inputs)",
                            "keras.layers.Dense(units, activation=\"tanh\")(inputs)")},
        loses=frozenset({"char_rnn_returns_a_sequence_of_softmax", "char_rnn_parameter_count",
                         "hihello_model_predicts_ihello",
                         "sentence_model_predicts_next_characters"}),
        says={"char_rnn_returns_a_sequence_of_softmax": "no recurrent layer",
              "char_rnn_parameter_count": "no recurrent layer"},
        why="a per-step Dense layer has no memory: 4/6 on 'hihell' at best",
    ),
    Variant(
        "mistake-encode-key-error",
        {"encode": ("        if char not in char_to_index:\n"
                    "            raise ValueError(f\"unknown character {char!r}\")\n", "")},
        loses=frozenset({"encode_rejects_unknown_and_empty"}),
        says={"encode_rejects_unknown_and_empty": "it raised KeyError"},
        why="an unknown character surfaces as a bare KeyError",
    ),
    Variant(
        "mistake-decode-indices-only",
        {"decode": ("    if values.ndim == 2:\n        values = values.argmax(axis=-1)\n"
                    "    elif values.ndim != 1:", "    if values.ndim != 1:")},
        loses=frozenset({"decode_reads_indices_and_probabilities"}),
        says={"decode_reads_indices_and_probabilities": "array of probabilities failed"},
        why="decode cannot read the model's probabilities",
    ),
    Variant(
        "mistake-undertrained",
        {"train_hihello": ("epochs=40", "epochs=3")},
        loses=frozenset({"hihello_model_predicts_ihello"}),
        says={"hihello_model_predicts_ihello": "train it until all 6 are"},
        why="stopped training long before the model predicts 'ihello'",
    ),
    Variant(
        "mistake-vocabulary-first-seen",
        {"build_vocabulary": ("return sorted(set(text))", "return list(dict.fromkeys(text))")},
        loses=frozenset({"vocabulary_is_sorted_and_unique"}),
        says={"vocabulary_is_sorted_and_unique": "in the order they first appear"},
        why="dict.fromkeys keeps the order of first appearance: stable, but not sorted. The "
            "models are read in the student's own order, so they still pass",
    ),
    Variant(
        "mistake-vocabulary-lowercased",
        {"build_vocabulary": ("return sorted(set(text))", "return sorted(set(text.lower()))")},
        loses=frozenset({"vocabulary_is_sorted_and_unique"}),
        says={"vocabulary_is_sorted_and_unique": "changed the case of letters"},
        why="a word-level habit: 'M' and 'm' become one character",
    ),
    Variant(
        "mistake-tf-one-hot",
        {"one_hot": (WHOLE_CELL, '''import tensorflow as tf


def one_hot(indices, vocab_size):
    """One-hot with TensorFlow: (batch, steps, vocab_size), float32."""
    return tf.one_hot(np.atleast_2d(indices), depth=vocab_size)''')},
        loses=frozenset({"one_hot_has_vocab_axis_last", "one_hot_is_float32",
                         "one_hot_rejects_out_of_range"}),
        says={"one_hot_has_vocab_axis_last": "it returned an EagerTensor",
              "one_hot_is_float32": "it returned an EagerTensor",
              "one_hot_rejects_out_of_range": "but it returned a value"},
        why="tf.one_hot gives the right values as a tensor, not the numpy array asked for, and "
            "an all-zero row for an index outside the vocabulary instead of an error; Keras "
            "trains on tensors as well, so nothing further breaks",
    ),
    Variant(
        "mistake-to-categorical-no-batch-axis",
        {"one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    """One-hot with Keras' own helper, cast to float32."""
    return keras.utils.to_categorical(indices, num_classes=vocab_size).astype("float32")''')},
        loses=frozenset({"one_hot_has_vocab_axis_last", "xy_targets_are_next_characters",
                         "hihello_model_predicts_ihello", "dense_model_has_no_recurrence",
                         "sentence_model_predicts_next_characters",
                         "one_hot_rejects_out_of_range"}),
        says={"one_hot_has_vocab_axis_last": "batch axis",
              "one_hot_rejects_out_of_range": "it raised IndexError",
              "hihello_model_predicts_ihello": "make_xy",
              "dense_model_has_no_recurrence": "make_xy",
              "sentence_model_predicts_next_characters": "make_xy"},
        why="to_categorical of one sequence gives (steps, vocab): x has no batch axis, so fit "
            "refuses it and no model is trained (the model checks say make_xy is the cause); "
            "nor does it check the range: NumPy's IndexError comes through",
    ),
    Variant(
        "mistake-dense-history-from-wrong-model",
        {"train_dense": ("dense_history = dense_model.fit(",
                         "dense_history = hihello_model.fit(")},
        loses=frozenset({"dense_model_has_no_recurrence"}),
        says={"dense_model_has_no_recurrence": "is it trained?"},
        why="the fit line copied from the cell above: hihello_model trains again, dense_model "
            "never does",
    ),
    Variant(
        "correct-lstm-and-loops",
        {
            "build_vocabulary": (WHOLE_CELL, '''def build_vocabulary(text):
    if not text:
        raise ValueError("empty text")
    return sorted(dict.fromkeys(text))'''),
            "one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    rows = np.array(indices, ndmin=2)
    out = np.zeros(rows.shape + (vocab_size,), dtype="float32")
    for b in range(rows.shape[0]):
        for t in range(rows.shape[1]):
            if not 0 <= rows[b, t] < vocab_size:
                raise ValueError("index out of range")
            out[b, t, rows[b, t]] = 1.0
    return out'''),
            "decode": (WHOLE_CELL, '''def decode(values, index_to_char):
    values = np.asarray(values)
    steps = [int(np.argmax(row)) for row in values] if values.ndim == 2 else values.tolist()
    return "".join(index_to_char[i] for i in steps)'''),
            "hidden_units": (WHOLE_CELL, "HIDDEN_UNITS = 12"),
            "build_char_rnn": (WHOLE_CELL, '''def build_char_rnn(vocab_size, units):
    return keras.Sequential([
        keras.Input(shape=(None, vocab_size)),
        keras.layers.LSTM(units, return_sequences=True),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ])'''),
        },
        why="LSTM, explicit loops, a dict-based vocabulary",
    ),
    Variant(
        "correct-gru-time-distributed",
        {
            "lookup_tables": (WHOLE_CELL, '''def lookup_tables(vocabulary):
    return dict(zip(vocabulary, range(len(vocabulary)))), dict(enumerate(vocabulary))'''),
            "one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    indices = np.atleast_2d(indices)
    if indices.min() < 0 or indices.max() >= vocab_size:
        raise ValueError("index out of range")
    return (indices[..., None] == np.arange(vocab_size)).astype(np.float32)'''),
            "build_char_rnn": (WHOLE_CELL, '''def build_char_rnn(vocab_size, units):
    inputs = keras.Input(shape=(None, vocab_size))
    hidden = keras.layers.GRU(units, return_sequences=True)(inputs)
    dense = keras.layers.Dense(vocab_size, activation="softmax")
    return keras.Model(inputs, keras.layers.TimeDistributed(dense)(hidden))'''),
        },
        why="GRU with TimeDistributed(Dense), a broadcast comparison for one-hot",
    ),
    Variant(
        "correct-to-categorical-sequential",
        {
            "build_vocabulary": (WHOLE_CELL, '''def build_vocabulary(text):
    if text == "":
        raise ValueError("the text is empty")
    return sorted({*text})'''),
            "encode": (WHOLE_CELL, '''def encode(text, char_to_index):
    if not text:
        raise ValueError("nothing to encode")
    unknown = [char for char in text if char not in char_to_index]
    if unknown:
        raise ValueError(f"unknown character {unknown[0]!r}")
    return np.fromiter((char_to_index[char] for char in text), dtype=np.int32, count=len(text))'''),
            "one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    batch = np.atleast_2d(indices)
    if batch.size and (batch.min() < 0 or batch.max() >= vocab_size):
        raise ValueError("index out of range")
    # to_categorical drops a last axis of length 1 (a one-step sequence): flatten, then reshape
    flat = keras.utils.to_categorical(batch.ravel(), num_classes=vocab_size)
    return flat.reshape(*batch.shape, vocab_size).astype("float32")'''),
            "decode": (WHOLE_CELL, '''def decode(values, index_to_char):
    if np.ndim(values) == 2:
        values = np.argmax(values, axis=1)
    return "".join(map(index_to_char.__getitem__, np.asarray(values).tolist()))'''),
            "make_xy": (WHOLE_CELL, '''def make_xy(text, char_to_index):
    x = one_hot(encode(text[:-1], char_to_index), len(char_to_index))
    y = encode(text[1:], char_to_index)[None, :]
    return x, y'''),
            "hidden_units": (WHOLE_CELL, "HIDDEN_UNITS = 10"),
            "build_char_rnn": (WHOLE_CELL, '''def build_char_rnn(vocab_size, units):
    model = keras.Sequential(name="char_rnn")
    model.add(keras.Input(shape=(None, vocab_size)))
    model.add(keras.layers.SimpleRNN(units, return_sequences=True))
    model.add(keras.layers.Dense(vocab_size, activation="softmax"))
    return model'''),
        },
        why="keras.utils.to_categorical on the flattened indices (it squeezes a last axis of "
            "length 1), cast to float32; np.fromiter, text slices for x and y, a Sequential "
            "model built with add(), 10 units",
    ),
    Variant(
        "mistake-one-hot-unchecked",
        {"one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    """The textbook one-liner: row i of the identity matrix is the one-hot vector of i."""
    return np.eye(vocab_size, dtype=np.float32)[np.atleast_2d(indices)]''')},
        loses=frozenset({"one_hot_rejects_out_of_range"}),
        says={"one_hot_rejects_out_of_range": "it raised IndexError"},
        why="np.eye(n)[indices] as blog posts and Stack Overflow answers write it: right for "
            "valid indices, NumPy's IndexError past the end and a silent last row for -1",
    ),
    Variant(
        "mistake-one-hot-upper-bound-only",
        {"one_hot": ("indices.min() < 0 or indices.max() >= vocab_size",
                     "indices.max() >= vocab_size")},
        loses=frozenset({"one_hot_rejects_out_of_range"}),
        says={"one_hot_rejects_out_of_range": "NumPy reads -1 as the last row"},
        why="the bound a vocabulary size suggests, and not the other one: -1 wraps to the last "
            "character without an error",
    ),
    Variant(
        "mistake-decode-argmax-first-axis",
        {"decode": ("values = values.argmax(axis=-1)", "values = np.argmax(values, axis=0)")},
        loses=frozenset({"decode_reads_indices_and_probabilities"}),
        says={"decode_reads_indices_and_probabilities": "argmax on the last axis"},
        why="np.argmax(rows, axis=0), the axis of a column vector in linear-algebra notes: one "
            "index per vocabulary character instead of per step",
    ),
    Variant(
        "mistake-output-vocab-plus-one",
        {"build_char_rnn": ("keras.layers.Dense(vocab_size, activation=\"softmax\")",
                            "keras.layers.Dense(vocab_size + 1, activation=\"softmax\")")},
        loses=frozenset({"char_rnn_returns_a_sequence_of_softmax",
                         "hihello_model_predicts_ihello",
                         "sentence_model_predicts_next_characters"}),
        says={"char_rnn_returns_a_sequence_of_softmax": "the last axis should be 7",
              "hihello_model_predicts_ihello": "because build_char_rnn",
              "sentence_model_predicts_next_characters": "because build_char_rnn"},
        why="len(chars) + 1 outputs, the habit of word-level tutorials that keep index 0 for "
            "padding (Tokenizer's word_index starts at 1): one softmax entry too many",
    ),
    Variant(
        "mistake-bidirectional-char-rnn",
        {"build_char_rnn": ("keras.layers.SimpleRNN(units, return_sequences=True)(inputs)",
                            "keras.layers.Bidirectional(\n"
                            "        keras.layers.SimpleRNN(units, return_sequences=True))(inputs)")},
        loses=frozenset({"char_rnn_returns_a_sequence_of_softmax",
                         "hihello_model_predicts_ihello",
                         "sentence_model_predicts_next_characters"}),
        says={"char_rnn_returns_a_sequence_of_softmax": "Bidirectional(SimpleRNN(8",
              "hihello_model_predicts_ihello": "Bidirectional(SimpleRNN(8",
              "sentence_model_predicts_next_characters": "Bidirectional(SimpleRNN(16"},
        why="Bidirectional, as text-classification tutorials wrap their LSTMs: its backward "
            "half reads the next character, so the models 'predict' 6 of 6 by looking ahead; "
            "each model is refused for the layer it has",
    ),
    Variant(
        "correct-identity-take-gru-reset-before",
        {
            "one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    indices = np.array(indices, ndmin=2)
    if np.any((indices < 0) | (indices >= vocab_size)):
        raise ValueError(f"indices must lie in [0, {vocab_size})")
    return np.take(np.identity(vocab_size, dtype=np.float32), indices, axis=0)'''),
            "build_char_rnn": (WHOLE_CELL, '''def build_char_rnn(vocab_size, units):
    inputs = keras.layers.Input(shape=(None, vocab_size))
    states = keras.layers.GRU(units, return_sequences=True, reset_after=False)(inputs)
    return keras.Model(inputs, keras.layers.Dense(vocab_size, activation="softmax")(states))'''),
        },
        why="np.take on np.identity (NumPy's documentation idiom for picking rows) and a GRU "
            "with reset_after=False, the TensorFlow 1 / CuDNN-free setting older tutorials use "
            "(3u(d + u + 1) parameters, one bias per gate)",
    ),
    Variant(
        "correct-put-along-axis-sequential-dense",
        {
            "one_hot": (WHOLE_CELL, '''def one_hot(indices, vocab_size):
    idx = np.asarray(indices)
    if idx.ndim == 1:
        idx = idx.reshape(1, -1)
    if (idx < 0).any() or (idx >= vocab_size).any():
        raise ValueError("index outside the vocabulary")
    out = np.zeros(idx.shape + (vocab_size,), dtype=np.float32)
    np.put_along_axis(out, idx[..., np.newaxis], 1.0, axis=-1)
    return out'''),
            "encode": (WHOLE_CELL, '''def encode(text, char_to_index):
    if text == "":
        raise ValueError("empty text")
    missing = set(text) - char_to_index.keys()
    if missing:
        raise ValueError(f"characters not in the vocabulary: {sorted(missing)}")
    return np.array(list(map(char_to_index.get, text)))'''),
            "build_dense_model": (WHOLE_CELL, '''def build_dense_model(vocab_size, units):
    return keras.Sequential([
        keras.Input(shape=(None, vocab_size)),
        keras.layers.TimeDistributed(keras.layers.Dense(units, activation="tanh")),
        keras.layers.TimeDistributed(keras.layers.Dense(vocab_size, activation="softmax")),
    ])'''),
        },
        why="np.put_along_axis into zeros, a set difference for unknown characters (all of them "
            "named), and the model without memory as a Sequential of TimeDistributed(Dense) "
            "layers, the Keras 2 tutorials' spelling of a per-step layer",
    ),
    Variant(
        "correct-stacked-lstm-argmax-decode",
        {
            "decode": (WHOLE_CELL, '''def decode(values, index_to_char):
    values = np.asarray(values)
    if values.ndim > 1:
        values = np.argmax(values, axis=-1)
    return "".join([index_to_char[i] for i in values.tolist()])'''),
            "make_xy": (WHOLE_CELL, '''def make_xy(text, char_to_index):
    ids = encode(text, char_to_index)
    inputs, targets = ids[:-1], ids[1:]
    return one_hot(inputs[np.newaxis, :], len(char_to_index)), targets.reshape(1, -1)'''),
            "hidden_units": (WHOLE_CELL, "HIDDEN_UNITS = 16"),
            "build_char_rnn": (WHOLE_CELL, '''def build_char_rnn(vocab_size, units):
    """Two LSTMs, as karpathy's char-rnn stacks them (here small)."""
    inputs = keras.Input(shape=(None, vocab_size))
    hidden = keras.layers.LSTM(units, return_sequences=True)(inputs)
    hidden = keras.layers.LSTM(units, return_sequences=True)(hidden)
    outputs = keras.layers.Dense(vocab_size, activation="softmax")(hidden)
    return keras.Model(inputs=inputs, outputs=outputs)'''),
        },
        why="karpathy's char-rnn stacks two LSTM layers: the parameter count is the sum of "
            "both by formula; make_xy passes a 2-D batch to one_hot and reshapes the targets",
    ),
]
