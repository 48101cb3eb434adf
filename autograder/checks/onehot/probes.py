"""What the student's process exports for the one-hot checks (plain data, no code)."""

from __future__ import annotations

from autograder.checks.onehot import cases
from autograder.checks.probes import array_arg, call, dict_arg, global_arg, variable

PROBES: list[dict] = [
    *[call(f"vocabulary_{i}", "build_vocabulary", text) for i, text in enumerate(cases.TEXTS)],
    call("vocabulary_empty", "build_vocabulary", ""),
    *[call(f"tables_{i}", "lookup_tables", cases.vocabulary(text))
      for i, text in enumerate(cases.TEXTS)],
    *[call(f"encode_{i}", "encode", text, cases.char_to_index(cases.ENCODE_ALPHABET))
      for i, text in enumerate(cases.ENCODE_TEXTS)],
    call("encode_unknown", "encode", "xyq", cases.char_to_index(cases.ENCODE_ALPHABET)),
    call("encode_empty", "encode", "", cases.char_to_index(cases.ENCODE_ALPHABET)),
    *[call(f"one_hot_{i}", "one_hot", array_arg(indices, "int64"), size)
      for i, (indices, size) in enumerate(cases.ONE_HOT_CASES)],
    *[call(f"one_hot_out_of_range_{i}", "one_hot", array_arg(indices, "int64"), size)
      for i, (indices, size, _) in enumerate(cases.ONE_HOT_OUT_OF_RANGE)],
    call("decode_indices", "decode", array_arg(cases.DECODE_INDICES, "int64"),
         dict_arg(cases.index_to_char(cases.DECODE_ALPHABET))),
    call("decode_probabilities", "decode",
         array_arg(cases.decode_probabilities().tolist(), "float32"),
         dict_arg(cases.index_to_char(cases.DECODE_ALPHABET))),
    *[call(f"xy_{i}", "make_xy", text, cases.char_to_index("".join(cases.vocabulary(text))))
      for i, text in enumerate(cases.XY_TEXTS)],
    variable("hidden_units", "HIDDEN_UNITS"),
    call("char_rnn", "build_char_rnn", 7, global_arg("HIDDEN_UNITS")),
    call("hihello_vocabulary", "build_vocabulary", cases.HIHELLO),
    variable("hihello_model", "hihello_model"),
    variable("dense_model", "dense_model"),
    call("sentence_vocabulary", "build_vocabulary", cases.SENTENCE),
    variable("sentence_model", "sentence_model"),
    # the sentence's own pairs, to tell a model trained on wrong pairs from an undertrained one
    call("sentence_xy", "make_xy", cases.SENTENCE,
         cases.char_to_index("".join(cases.vocabulary(cases.SENTENCE)))),
]
