"""What the student's process exports for the sentiment checks (plain data, no code).

The saved model is not exported from the student's process: the checks read the grader's own
copy of the submitted file.
"""

from __future__ import annotations

from autograder.checks.probes import call, global_arg, variable
from autograder.checks.sentiment import cases

_REVIEWS = cases.predict_reviews()[0]

PROBES: list[dict] = [
    variable("seed", "SEED"),
    variable("vocab_size", "VOCAB_SIZE"),
    variable("maxlen", "MAXLEN"),
    # the warm-up
    *[call(f"pre_pad_{i}", "pre_pad", sequences, maxlen)
      for i, (sequences, maxlen) in enumerate(cases.PRE_PAD_CASES)],
    # the notebook's vectorizer (a layer is callable: the grader calls it on its own strings)
    call("vectorized", "vectorizer", list(cases.VECTOR_TEXTS)),
    call("test_only_ids", "vectorizer", [" ".join(cases.TEST_ONLY_WORDS)]),
    call("common_ids", "vectorizer", [" ".join(cases.TRAIN_COMMON_WORDS)]),
    call("variant_ids", "vectorizer", [cases.VARIANT_WORDS]),
    # make_vectorizer as the notebook defines it, on reviews of the grader's choice: the
    # vocabulary it returns should come from them alone, whatever the notebook saved
    call("adapted_absent_ids", "make_vectorizer", cases.adapt_texts(), cases.ADAPT_TOKENS,
         global_arg("MAXLEN"), then=("__call__", [" ".join(cases.ABSENT_WORDS)])),
    # the model builder, for a vocabulary size of the grader's
    call("built", "build_model", cases.BUILD_VOCAB),
    # predict_sentiment on raw reviews, in one batch and one at a time
    call("predicted", "predict_sentiment", list(_REVIEWS)),
    *[call(f"predicted_alone_{i}", "predict_sentiment", [_REVIEWS[i]])
      for i in range(cases.SINGLE_REVIEWS)],
    call("predicted_edge", "predict_sentiment", list(cases.EDGE_TEXTS)),
]
