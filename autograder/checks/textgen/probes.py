"""What the student's process exports for the textgen checks (plain data, no code).

The saved model is not exported from the student's process: the checks read the grader's own
copy of the submitted file. generate is called with the notebook's own model (the file it loads).
"""

from __future__ import annotations

import numpy as np

from autograder.checks.probes import array_arg, call, dict_arg, global_arg, variable
from autograder.checks.textgen import cases

_MAPPING = {char: i for i, char in enumerate(sorted(set(cases.ENCODE_TEXT)))}

PROBES: list[dict] = [
    variable("seed", "SEED"),
    variable("window", "WINDOW"),
    # the vocabulary and encode
    *[call(f"vocabulary_{i}", "build_vocabulary", text)
      for i, text in enumerate(cases.VOCAB_TEXTS)],
    call("encoded", "encode", cases.ENCODE_TEXT, dict_arg(_MAPPING)),
    # the training pairs, through make_dataset
    *[call(f"pairs_{i}", "make_pairs", array_arg(ids, "int32"), window)
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
    # generate, with the notebook's model
    call("generated", "generate", global_arg("model"), cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[0]),
    call("generated_again", "generate", global_arg("model"), cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[0]),
    call("generated_other", "generate", global_arg("model"), cases.SEED_TEXTS[0],
         cases.GENERATE_LENGTH, 1.0, cases.GENERATE_SEEDS[1]),
    call("generated_short", "generate", global_arg("model"), cases.SHORT_SEED, 12, 1.0, 3),
    call("generated_cool", "generate", global_arg("model"), cases.SEED_TEXTS[1],
         cases.FOLLOW_LENGTH, cases.FOLLOW_TEMPERATURE, 4),
    # the model builder, at sizes of the grader's
    call("built", "build_model", *cases.BUILD),
]
