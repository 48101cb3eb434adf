"""Sample submissions of the textgen assignment, written as edits of the solution notebook.

Each sample hands in `textgen_model.keras` as a student would: the model its own notebook
trained (`python -m autograder samples textgen --train-models`), or the solution's where its
edits do not change what training does (sampling and writing come after the model). `loses`
lists exactly the checks each mistake must fail, including those it breaks further down.
"""

from autograder.samples import WHOLE_CELL, Variant

FILES = {"textgen_model.keras": "solution"}
"""What the solution hands in, and every variant that names no files of its own."""


def _own(student: str) -> dict[str, str | None]:
    return {"textgen_model.keras": student}


_TIMESERIES = {
    "make_dataset": (WHOLE_CELL, '''
def make_dataset(ids, window, batch_size, shuffle=False):
    """Keras' own windowing: the window starting at i is paired with ids[window:][i]."""
    ids = np.asarray(ids)
    return keras.utils.timeseries_dataset_from_array(
        ids[:-1], ids[window:], sequence_length=window, batch_size=batch_size,
        shuffle=shuffle, seed=SEED if shuffle else None)
'''),
}

_SOFTMAX_SAMPLING = {
    "sample": (WHOLE_CELL, '''
def sample(probabilities, temperature, rng):
    """A softmax of the tempered log-probabilities, drawn by inverting the cumulative sum."""
    temperature = float(temperature)
    if not math.isfinite(temperature) or temperature <= 0.0:
        raise ValueError("the temperature must be a positive finite number")
    p = np.asarray(probabilities, dtype=np.float64)
    logits = np.full(p.shape, -np.inf)
    logits[p > 0] = np.log(p[p > 0]) / temperature
    q = np.exp(logits - logits.max())
    cumulative = np.cumsum(q / q.sum())
    return int(min(np.searchsorted(cumulative, rng.random(), side="right"), len(q) - 1))
'''),
    "generate": (WHOLE_CELL, '''
def generate(model, seed_text, length, temperature, seed):
    rng = np.random.default_rng(seed)
    text = " " * WINDOW + seed_text
    for _ in range(length):
        window = encode(text[-WINDOW:], char_to_index)[np.newaxis, :]
        probabilities = np.asarray(model.predict_on_batch(window)).reshape(-1)
        text += chars[sample(probabilities, temperature, rng)]
    return text[len(text) - length:]
'''),
}

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-windows-off-by-one",
        edits={"make_dataset": ("(chunk[:-1], chunk[-1])", "(chunk[:-1], chunk[-2])")},
        files=_own("mistake-windows-off-by-one"),
        loses=frozenset({"windows_pair_each_window_with_the_next_character",
                         "saved_model_bits_per_character", "generate_is_seeded"}),
        says={"windows_pair_each_window_with_the_next_character": "off by one",
              "saved_model_bits_per_character": "because make_dataset",
              "generate_is_seeded": "copies"},
        why="the target is the window's own last character: the model learns to copy what it "
            "reads (20.2 bits per character on the holdout) and writes its seed's last "
            "character over and over, whatever the seed",
    ),
    Variant(
        student="mistake-undertrained",
        edits={"train": (("TRAIN_CHARS = 200_000", "TRAIN_CHARS = 10_000"))},
        files=_own("mistake-undertrained"),
        loses=frozenset({"saved_model_bits_per_character"}),
        says={"saved_model_bits_per_character": "train longer"},
        why="a few thousand characters once: the model knows little more than letter "
            "frequencies",
    ),
    Variant(
        student="mistake-first-layer-without-sequences",
        edits={"build_model": ("keras.layers.LSTM(units, return_sequences=True),",
                               "keras.layers.LSTM(units),")},
        files={"textgen_model.keras": None},
        loses=frozenset({"model_is_stacked_recurrent", "saved_model_bits_per_character",
                         "generate_writes_length_characters_of_the_vocabulary",
                         "generate_is_seeded", "generate_follows_the_model"}),
        says={"model_is_stacked_recurrent": "raised"},
        why="the first LSTM hands the second its last state only, and the second refuses a "
            "vector: build_model raises, nothing is trained or saved",
    ),
    Variant(
        student="mistake-sample-ignores-temperature",
        edits={"sample": (("    with np.errstate(divide=\"ignore\"):\n"
                           "        logits = np.log(p) / temperature\n"
                           "    q = np.exp(logits - np.max(logits))\n"),
                          "    q = p * temperature\n")},
        loses=frozenset({"sample_temperature_reshapes", "sample_near_zero_is_argmax",
                         "generate_follows_the_model"}),
        says={"sample_temperature_reshapes": "no effect",
              "generate_follows_the_model": "because sample"},
        why="p * T renormalised is p again: every temperature draws like temperature 1",
    ),
    Variant(
        student="mistake-sample-temperature-inverted",
        edits={"sample": ("logits = np.log(p) / temperature", "logits = np.log(p) * temperature")},
        loses=frozenset({"sample_temperature_reshapes", "sample_near_zero_is_argmax",
                         "generate_follows_the_model"}),
        says={"sample_temperature_reshapes": "the wrong way round",
              "generate_follows_the_model": "because sample"},
        why="log p times T is p ** T: low temperatures flatten instead of sharpening",
    ),
    Variant(
        student="mistake-sample-argmax",
        edits={"sample": ("return int(rng.choice(len(q), p=q))", "return int(np.argmax(q))")},
        loses=frozenset({"sample_follows_the_distribution", "sample_temperature_reshapes",
                         "generate_is_seeded"}),
        says={"sample_follows_the_distribution": "argmax",
              "generate_is_seeded": "two different seeds"},
        why="always the most likely character: no draw, so the temperature and the seed do "
            "nothing and the text loops",
    ),
    Variant(
        student="mistake-sample-accepts-any-temperature",
        edits={"sample": (("    if not np.isfinite(temperature) or temperature <= 0:\n"
                           "        raise ValueError(f\"temperature must be a positive number, "
                           "not {temperature}\")\n"), "")},
        loses=frozenset({"sample_rejects_bad_temperature"}),
        says={"sample_rejects_bad_temperature": "should raise ValueError"},
        why="a negative temperature is used as it comes and inverts the distribution",
    ),
    Variant(
        student="mistake-generate-global-rng",
        edits={"generate": ("index = sample(probabilities, temperature, rng)",
                            "index = sample(probabilities, temperature, np.random.default_rng())")},
        loses=frozenset({"generate_is_seeded"}),
        says={"generate_is_seeded": "same seed"},
        why="a fresh unseeded generator for each character: the seed changes nothing and runs "
            "never repeat",
    ),
    Variant(
        student="mistake-generate-returns-seed-text",
        edits={"generate": ('return "".join(written)', 'return seed_text + "".join(written)')},
        loses=frozenset({"generate_writes_length_characters_of_the_vocabulary",
                         "generate_follows_the_model"}),
        says={"generate_writes_length_characters_of_the_vocabulary": "the seed text",
              "generate_follows_the_model": "should return"},
        why="returns the prompt with the new characters, as a chat window would show them",
    ),
    Variant(
        student="mistake-model-not-handed-in",
        edits={"train": ("TRAIN_CHARS = 200_000", "TRAIN_CHARS = 10_000")},
        files={"textgen_model.keras": None},
        loses=frozenset({"saved_model_bits_per_character", "generate_follows_the_model"}),
        says={"saved_model_bits_per_character": "no textgen_model.keras was submitted",
              "generate_follows_the_model": "no textgen_model.keras was submitted"},
        why="the notebook handed in without its model file (a quick run, so the grader's run "
            "trains for seconds): only the two checks that read the file are lost, build_model "
            "and generate are judged as written",
    ),
    Variant(
        student="mistake-shuffle-before-windows",
        edits={"make_dataset": (WHOLE_CELL, '''
def make_dataset(ids, window, batch_size, shuffle=False):
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(ids))
    if shuffle:
        ds = ds.shuffle(10_000, seed=SEED)
    ds = ds.window(window + 1, shift=1, drop_remainder=True)
    ds = ds.flat_map(lambda w: w.batch(window + 1))
    ds = ds.map(lambda chunk: (chunk[:-1], chunk[-1]))
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
''')},
        files=_own("mistake-shuffle-before-windows"),
        loses=frozenset({"windows_pair_each_window_with_the_next_character",
                         "saved_model_bits_per_character"}),
        says={"windows_pair_each_window_with_the_next_character": "not the ids before",
              "saved_model_bits_per_character": "because make_dataset"},
        why="Dataset.shuffle placed first, as tf.data guides put it right after "
            "from_tensor_slices for rows that are examples: here it shuffles the characters, so "
            "every training window is noise and the model learns letter frequencies only",
    ),
    Variant(
        student="mistake-vocabulary-first-seen",
        edits={"build_vocabulary": ("chars = sorted(set(text))",
                                    "chars = list(dict.fromkeys(text))")},
        files=_own("mistake-vocabulary-first-seen"),
        loses=frozenset({"vocabulary_sorted_and_invertible", "saved_model_bits_per_character",
                         "generate_follows_the_model"}),
        says={"vocabulary_sorted_and_invertible": "first appear",
              "saved_model_bits_per_character": "because build_vocabulary",
              "generate_follows_the_model": "because build_vocabulary"},
        why="karpathy's min-char-rnn numbers characters as list(set(data)) gives them; made "
            "stable with dict.fromkeys it is the order of first appearance, so the saved model "
            "reads other indices than the sorted ones the grader encodes text with: its bits "
            "and the cost of its own text under them both name build_vocabulary",
    ),
    Variant(
        student="mistake-keras-io-sample-global-random",
        edits={"sample": (WHOLE_CELL, '''
def sample(probabilities, temperature, rng):
    """keras-io's character LSTM example: reweight, then one multinomial draw."""
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature must be positive")
    preds = np.asarray(probabilities).astype("float64")
    with np.errstate(divide="ignore"):
        preds = np.log(preds) / temperature
    exp_preds = np.exp(preds - np.max(preds))
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return int(np.argmax(probas))
''')},
        loses=frozenset({"sample_follows_the_distribution", "generate_is_seeded"}),
        says={"sample_follows_the_distribution": "use the rng you are given",
              "generate_is_seeded": "because sample"},
        why="keras-io's sample() as published draws with np.random.multinomial, NumPy's global "
            "generator, and ignores the rng: draws and texts never repeat for a seed",
    ),
    Variant(
        student="mistake-generate-ignores-temperature",
        edits={"generate": ("index = sample(probabilities, temperature, rng)",
                            "index = sample(probabilities, 1.0, rng)")},
        loses=frozenset({"generate_follows_the_model"}),
        says={"generate_follows_the_model": "temperature"},
        why="sample is right but generate draws at temperature 1 whatever it is given, as "
            "examples that hard-code the model's own distribution do",
    ),
    # --- other correct answers ----------------------------------------------------------------
    Variant(
        student="correct-timeseries-dataset",
        edits=_TIMESERIES,
        why="keras.utils.timeseries_dataset_from_array instead of Dataset.window; the model is "
            "the solution's (the pairs are the same)",
    ),
    Variant(
        student="correct-category-encoding",
        edits={"build_model": ("keras.layers.Embedding(vocab_size, EMBED_DIM),",
                               'keras.layers.CategoryEncoding(vocab_size, output_mode="one_hot"),'),
               "make_dataset": ("ds.flat_map(lambda w: w.batch(window + 1))",
                                "ds.flat_map(lambda w: w.batch(window + 1, drop_remainder=True))")},
        files=_own("correct-category-encoding"),
        why="one-hot inputs inside the model with keras.layers.CategoryEncoding (the notebook's "
            "'Embedding (or one-hot)', as Keras' preprocessing guide encodes categories): no "
            "weights, 47 inputs to the first LSTM, a trained model of its own. CategoryEncoding "
            "needs windows of a known length in training, so the windows are batched with "
            "drop_remainder=True, as the tf.data guide's windowing example does",
    ),
    Variant(
        student="correct-sliding-window-pipeline",
        edits={"make_dataset": (WHOLE_CELL, '''
def make_dataset(ids, window, batch_size, shuffle=False):
    """All windows at once with NumPy's sliding_window_view, then a tf.data pipeline of pairs
    whose batches are shuffled (the tf.data performance guide's order: batch, then shuffle)."""
    ids = np.asarray(ids)
    x = np.lib.stride_tricks.sliding_window_view(ids[:-1], window)
    y = ids[window:]
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    if shuffle:
        ds = ds.shuffle(64, seed=SEED, reshuffle_each_iteration=True)
    return ds.prefetch(tf.data.AUTOTUNE)
''')},
        why="sliding_window_view cuts every window in NumPy, from_tensor_slices((x, y)) makes "
            "the pairs and whole batches are shuffled; the model is the solution's (the pairs "
            "are the same)",
    ),
    Variant(
        student="correct-keras-io-sample-with-rng",
        edits={"sample": (WHOLE_CELL, '''
def sample(probabilities, temperature, rng):
    """keras-io's character LSTM example, drawing with the generator it is given."""
    if not (temperature > 0 and np.isfinite(temperature)):
        raise ValueError(f"temperature should be a positive number, got {temperature}")
    preds = np.asarray(probabilities).astype("float64")
    with np.errstate(divide="ignore"):
        preds = np.log(preds) / temperature
    exp_preds = np.exp(preds - np.max(preds))
    preds = exp_preds / np.sum(exp_preds)
    return int(np.argmax(rng.multinomial(1, preds)))
''')},
        why="keras-io's sample() (log / T, exp, normalise, one multinomial draw, argmax of the "
            "one-hot result), with rng.multinomial instead of np.random's",
    ),
    Variant(
        student="correct-gumbel-max-sampling",
        edits={"sample": (WHOLE_CELL, '''
def sample(probabilities, temperature, rng):
    """The Gumbel-max trick: argmax(log p / T + Gumbel noise) is a draw from p ** (1 / T)."""
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError("the temperature must be a positive number")
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore"):
        scores = np.log(p) / temperature
    return int(np.argmax(scores + rng.gumbel(size=p.shape)))
''')},
        why="the Gumbel-max trick of sampling blog posts and papers (no normalisation at all): "
            "other draws than rng.choice's for the same seed, from the same distribution",
    ),
    Variant(
        student="correct-softmax-cumsum-sampling",
        edits=_SOFTMAX_SAMPLING,
        why="a softmax of log p / T and an inverse-CDF draw with rng.random(); generate keeps "
            "the text as a string",
    ),
]
