"""What the student's process exports for the textgen checks (plain data, no code).

The saved model is not exported from the student's process: the checks read the grader's own
copy of the submitted file. generate is called with the notebook's own model (the file it loads)
or, where the notebook has none (no file handed in, training stopped), with one its own
build_model makes at the notebook's sizes: generate's checks then judge generate, not training.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.probes import array_arg, call, call_arg, dict_arg, global_arg, variable
from autograder.checks.textgen import cases

_MODEL = global_arg("model", call_arg("build_model", global_arg("VOCAB_SIZE"),
                                       global_arg("WINDOW"), global_arg("UNITS")))
"""The notebook's model, else a model of its build_model (the same one for every probe)."""

PROBES: list[dict] = [
    variable("seed", "SEED"),
    variable("window", "WINDOW"),
    # the vocabulary and encode
    *[call(f"vocabulary_{i}", "build_vocabulary", text)
      for i, text in enumerate(cases.VOCAB_TEXTS)],
    call("encoded", "encode", cases.ENCODE_TEXT, dict_arg(cases.ENCODE_MAPPING)),
    # the training pairs, through make_dataset, in order and shuffled as training reads them
    *[call(f"pairs_{i}", "make_pairs", array_arg(ids, "int32"), window)
      for i, (ids, window) in enumerate(cases.PAIR_CASES)],
    *[call(f"shuffled_pairs_{i}", "make_pairs", array_arg(ids, "int32"), window, True)
      for i, (ids, window) in enumerate(cases.PAIR_CASES)],
    # sample, many draws at a time
    *[call(f"draws_{i}", "sample_many", array_arg(list(cases.DISTRIBUTION), "float64"),
           temperature, cases.DRAWS, seed)
      for i, (temperature, seed) in enumerate(zip(cases.TEMPERATURES, cases.SAMPLE_SEEDS))],
    call("draws_again", "sample_many", array_arg(list(cases.DISTRIBUTION), "float64"),
         cases.TEMPERATURES[0], 200, cases.SAMPLE_SEEDS[0]),
    call("draws_cold", "sample_many", array_arg(list(cases.COLD), "float64"),
         cases.COLD_TEMPERATURE, cases.COLD_DRAWS, 77),
    call("draws_model_like", "sample_many", array_arg(list(cases.MODEL_LIKE), "float32"),
         1.0, cases.MODEL_LIKE_DRAWS, 99),
    # NaN and infinity travel as the strings numpy reads them from: the probes are written
    # into the kernel as Python literals, which have no NaN
    # (on probabilities without a 0: log 0 / a negative temperature fails by accident)
    *[call(f"draws_bad_{i}", "sample_many", array_arg(list(cases.COLD), "float64"),
           temperature if np.isfinite(temperature) else array_arg(str(temperature), "float64"),
           1, 5)
      for i, temperature in enumerate(cases.BAD_TEMPERATURES)],
    # generate, with the notebook's model (whether it has one: its messages say which was used)
    variable("notebook_model", "model"),
    call("generated", "generate", _MODEL, cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[0]),
    call("generated_again", "generate", _MODEL, cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[0]),
    call("generated_other", "generate", _MODEL, cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[1]),
    call("generated_short", "generate", _MODEL, cases.SHORT_SEED, 12, 1.0, 3),
    call("generated_cool", "generate", _MODEL, cases.SEED_TEXTS[1],
         cases.FOLLOW_LENGTH, cases.FOLLOW_TEMPERATURE, 4),
    call("generated_cold", "generate", _MODEL, cases.SEED_TEXTS[0],
         cases.COLD_GENERATE_LENGTH, cases.COLD_GENERATE_TEMPERATURE, 5),
    # the model builder, at sizes of the grader's
    call("built", "build_model", *cases.BUILD),
]
