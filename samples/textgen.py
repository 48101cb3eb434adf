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
              "saved_model_bits_per_character": "bits per character",
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
        loses=frozenset({"sample_temperature_reshapes", "sample_near_zero_is_argmax"}),
        says={"sample_temperature_reshapes": "no effect"},
        why="p * T renormalised is p again: every temperature draws like temperature 1",
    ),
    Variant(
        student="mistake-sample-temperature-inverted",
        edits={"sample": ("logits = np.log(p) / temperature", "logits = np.log(p) * temperature")},
        loses=frozenset({"sample_temperature_reshapes", "sample_near_zero_is_argmax"}),
        says={"sample_temperature_reshapes": "the wrong way round"},
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
    # --- other correct answers ----------------------------------------------------------------
    Variant(
        student="correct-timeseries-dataset",
        edits=_TIMESERIES,
        why="keras.utils.timeseries_dataset_from_array instead of Dataset.window; the model is "
            "the solution's (the pairs are the same)",
    ),
    Variant(
        student="correct-softmax-cumsum-sampling",
        edits=_SOFTMAX_SAMPLING,
        why="a softmax of log p / T and an inverse-CDF draw with rng.random(); generate keeps "
            "the text as a string",
    ),
]
