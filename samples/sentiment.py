"""Sample submissions of the sentiment assignment, written as edits of the solution notebook.

Each mistake is one the seed tutorial makes or a student makes in practice; `loses` lists
exactly the checks it fails. A variant whose model differs from the solution's hands in the
model its own notebook trained (`files`); `python -m autograder samples sentiment
--train-models` makes them.
"""

from autograder.checks.sentiment.cases import BUILD_VOCAB
from autograder.samples import WHOLE_CELL, Variant

FILES = {"sentiment_model.keras": "solution"}
"""The model every sample hands in unless it says otherwise: the one the solution trained."""


def _own(student: str) -> dict:
    return {"sentiment_model.keras": student}


_FUNCTIONAL_LSTM = '''
EMBED_DIM = 32
RNN_UNITS = 48


def build_model(vocab_size: int) -> keras.Model:
    """Integer sequences -> Embedding(mask_zero) -> LSTM -> Dropout -> Dense(1, sigmoid)."""
    ids = keras.Input(shape=(None,), dtype="int64")
    vectors = keras.layers.Embedding(input_dim=vocab_size, output_dim=EMBED_DIM,
                                     mask_zero=True)(ids)
    state = keras.layers.LSTM(RNN_UNITS)(vectors)
    state = keras.layers.Dropout(0.3)(state)
    return keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(state))
'''

_NEW_VECTORIZER = '''
def predict_sentiment(texts) -> np.ndarray:
    """Probability that each raw review is positive: shape (len(texts),)."""
    new_vectorizer = make_vectorizer(list(texts), VOCAB_SIZE, MAXLEN)  # the new texts' words
    return np.asarray(model.predict(new_vectorizer(list(texts)), verbose=0)).reshape(-1)
'''

_PAD_SEQUENCES = '''
def pre_pad(sequences, maxlen: int) -> np.ndarray:
    """keras.utils.pad_sequences: zeros in front and the end kept, by default."""
    return keras.utils.pad_sequences(sequences, maxlen=maxlen, padding="pre", truncating="pre")
'''

_DATASET_VECTORIZER = '''
import tensorflow as tf


def make_vectorizer(texts, vocab_size: int, maxlen: int) -> keras.layers.TextVectorization:
    """The Keras text-classification example's way: settings spelled out, adapt on a dataset."""
    layer = keras.layers.TextVectorization(
        standardize="lower_and_strip_punctuation", split="whitespace", max_tokens=vocab_size,
        output_mode="int", output_sequence_length=maxlen)
    layer.adapt(tf.data.Dataset.from_tensor_slices(list(texts)).batch(256))
    return layer
'''

_BATCHED_PREDICT = '''
def predict_sentiment(texts) -> np.ndarray:
    """The integer model on the training vocabulary's ids, 64 reviews at a time."""
    texts = [str(text) for text in texts]
    parts = []
    for start in range(0, len(texts), 64):
        ids = vectorizer(texts[start:start + 64])
        parts.append(keras.ops.convert_to_numpy(model(ids, training=False))[:, 0])
    return np.concatenate(parts) if parts else np.zeros(0, dtype="float32")
'''

_ADDS_TEST_REVIEWS = '''
def make_vectorizer(texts, vocab_size: int, maxlen: int) -> keras.layers.TextVectorization:
    """A TextVectorization layer adapted on `texts` and, "for a richer vocabulary", on the test
    reviews too."""
    vectorizer = keras.layers.TextVectorization(max_tokens=vocab_size,
                                                output_sequence_length=maxlen)
    vectorizer.adapt(list(texts) + list(test_texts), batch_size=512)
    return vectorizer
'''

_STANDARDIZE_NONE = '''
def make_vectorizer(texts, vocab_size: int, maxlen: int) -> keras.layers.TextVectorization:
    """The text as it is, "no preprocessing": case and punctuation kept."""
    vectorizer = keras.layers.TextVectorization(max_tokens=vocab_size, standardize=None,
                                                output_sequence_length=maxlen)
    vectorizer.adapt(texts, batch_size=512)
    return vectorizer
'''

_CONV1D = '''
EMBED_DIM = 32
RNN_UNITS = 32


def build_model(vocab_size: int) -> keras.Model:
    """keras-io's "text classification from scratch": Embedding -> Conv1D -> global max
    pooling -> Dense(1, sigmoid). No recurrence."""
    return keras.Sequential([
        keras.Input((None,), dtype="int64"),
        keras.layers.Embedding(vocab_size, EMBED_DIM),
        keras.layers.Conv1D(64, 7, activation="relu"),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
'''

_BIDIRECTIONAL_GRU = '''
EMBED_DIM = 32
RNN_UNITS = 16


def build_model(vocab_size: int) -> keras.Model:
    """keras-io's "Bidirectional LSTM on IMDB", with a GRU: both directions, masked."""
    ids = keras.Input(shape=(None,), dtype="int64")
    vectors = keras.layers.Embedding(vocab_size, EMBED_DIM, mask_zero=True)(ids)
    state = keras.layers.Bidirectional(keras.layers.GRU(RNN_UNITS))(vectors)
    return keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(state))
'''

_COUNTER_VOCABULARY = r'''
import re
from collections import Counter


def make_vectorizer(texts, vocab_size: int, maxlen: int) -> keras.layers.TextVectorization:
    """The word counts of the classic tutorials (Counter, most_common) handed to
    TextVectorization as its vocabulary, instead of adapt."""
    counts = Counter()
    for text in texts:
        counts.update(re.sub(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']", "",
                             str(text).lower()).split())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [word for word, _ in ranked[:vocab_size - 2]]  # 0 and [UNK] come first
    return keras.layers.TextVectorization(vocabulary=words, output_sequence_length=maxlen)
'''

_LIST_PRE_PAD = '''
def pre_pad(sequences, maxlen: int) -> np.ndarray:
    """The blog idiom: [0] * missing + the last maxlen ids, row by row."""
    rows = []
    for sequence in sequences:
        kept = list(sequence)[-maxlen:] if maxlen > 0 else []
        rows.append([0] * (maxlen - len(kept)) + kept)
    return np.array(rows, dtype=np.int64).reshape(len(rows), maxlen)
'''

_DIRECT_CALL_PREDICT = '''
import tensorflow as tf


def predict_sentiment(texts) -> np.ndarray:
    """The end-to-end model called directly on a (n, 1) string tensor, as TensorFlow's
    text-classification tutorial exports it."""
    strings = tf.constant([str(text) for text in texts], dtype=tf.string)[:, tf.newaxis]
    return keras.ops.convert_to_numpy(end_to_end_model(strings, training=False))[:, 0]
'''

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-post-padding-no-mask",
        edits={"build_model": (
            ("keras.layers.Embedding(vocab_size, EMBED_DIM, mask_zero=True),\n"
             "        keras.layers.LSTM(RNN_UNITS),"),
            ("keras.layers.Embedding(vocab_size, EMBED_DIM),\n"
             "        keras.layers.SimpleRNN(RNN_UNITS),"))},
        files=_own("mistake-post-padding-no-mask"),
        loses=frozenset({"padding_is_masked_or_pre", "saved_model_accuracy"}),
        says={"padding_is_masked_or_pre": "does not mask index 0",
              "saved_model_accuracy": "reads the padding last with no mask"},
        why="the seed's model: a SimpleRNN reading the vectorizer's post padding with no mask "
            "ends on a run of zeros and stays near chance",
    ),
    Variant(
        student="mistake-vectorizer-adapted-on-test",
        edits={"vectorize": ("make_vectorizer(train_texts, VOCAB_SIZE, MAXLEN)",
                             "make_vectorizer(test_texts, VOCAB_SIZE, MAXLEN)")},
        files=_own("mistake-vectorizer-adapted-on-test"),
        loses=frozenset({"vocabulary_fitted_on_train_only"}),
        says={"vocabulary_fitted_on_train_only": "appear in the test reviews"},
        why="the vocabulary is learned from the test reviews: the model trains on the training "
            "reviews, but the test split chose its words",
    ),
    Variant(
        student="mistake-new-vectorizer-at-prediction",
        edits={"predict_sentiment": (WHOLE_CELL, _NEW_VECTORIZER)},
        loses=frozenset({"predict_sentiment_reuses_vocabulary"}),
        says={"predict_sentiment_reuses_vocabulary": "fit a vectorizer at prediction time"},
        why="the seed's inference cell: a vocabulary fitted on the new texts, whose integers "
            "name other words than the ones the model learned",
    ),
    Variant(
        student="mistake-sigmoid-missing",
        edits={"build_model": ('keras.layers.Dense(1, activation="sigmoid")',
                               "keras.layers.Dense(1)")},
        files=_own("mistake-sigmoid-missing"),
        loses=frozenset({"model_layers_and_params", "predictions_are_probabilities"}),
        says={"model_layers_and_params": "activation 'linear'",
              "predictions_are_probabilities": "is the last activation a sigmoid"},
        why="a linear output trained with binary_crossentropy (which expects probabilities): "
            "the outputs are not probabilities",
    ),
    Variant(
        student="mistake-embedding-input-dim-plus-one",
        edits={"build_model": ("keras.layers.Embedding(vocab_size, EMBED_DIM, mask_zero=True)",
                               ("keras.layers.Embedding(vocab_size + 1, EMBED_DIM, "
                                "mask_zero=True)"))},
        files=_own("mistake-embedding-input-dim-plus-one"),
        loses=frozenset({"model_layers_and_params"}),
        says={"model_layers_and_params": f"has input_dim {BUILD_VOCAB + 1}"},
        why="the Tokenizer habit of one extra row for padding: TextVectorization's vocabulary "
            "already counts index 0, so the Embedding has a row no index reaches",
    ),
    Variant(
        student="mistake-trained-on-test",
        edits={"train": (
            "history = model.fit(x_train_end, train_labels,",
            ("x_all = np.concatenate([x_train_end, last_words(x_test, TRAIN_STEPS)])  # more data\n"
             "    y_all = np.concatenate([train_labels, test_labels])\n"
             "    history = model.fit(x_all, y_all,"))},
        files=_own("mistake-trained-on-test"),
        loses=frozenset({"no_gap_between_test_and_holdout"}),
        says={"no_gap_between_test_and_holdout": "it has seen the test reviews"},
        why="training on the training and test reviews together: the model knows the test "
            "reviews better than new ones, so its test accuracy overstates it",
    ),
    Variant(
        student="mistake-vectorizer-adapted-on-all-reviews",
        edits={"vectorize": ("make_vectorizer(train_texts, VOCAB_SIZE, MAXLEN)",
                             "make_vectorizer(train_texts + test_texts, VOCAB_SIZE, MAXLEN)")},
        files=_own("mistake-vectorizer-adapted-on-all-reviews"),
        loses=frozenset({"vocabulary_fitted_on_train_only"}),
        says={"vocabulary_fitted_on_train_only": "the test reviews use those words more"},
        why="\"more text, a better vocabulary\": with 10,000 tokens no test-only word gets in, "
            "but the test reviews' counts choose the last few hundred words",
    ),
    Variant(
        student="mistake-labels-not-probabilities",
        edits={"predict_sentiment": (
            ("return np.asarray(end_to_end_model.predict(strings, batch_size=500, verbose=0))"
            ".reshape(-1)"),
            ("probabilities = end_to_end_model.predict(strings, batch_size=500, verbose=0)\n"
            "    return (np.asarray(probabilities).reshape(-1) > 0.5).astype(\"float32\")"))},
        loses=frozenset({"predictions_are_probabilities"}),
        says={"predictions_are_probabilities": "only 0s and 1s"},
        why="returns the predicted class as 0.0 or 1.0: inside [0, 1], but not a probability",
    ),
    Variant(
        student="mistake-predictions-not-flattened",
        edits={"predict_sentiment": (".reshape(-1)", "")},
        loses=frozenset({"predictions_are_probabilities", "predict_sentiment_reuses_vocabulary"}),
        says={"predictions_are_probabilities": "shape (200, 1)",
              "predict_sentiment_reuses_vocabulary": "shape (200, 1)"},
        why="returns what predict gives, one column per review: (n, 1), not (n,)",
    ),
    Variant(
        student="mistake-build-model-ignores-vocab-size",
        edits={"build_model": ("keras.layers.Embedding(vocab_size, EMBED_DIM, mask_zero=True)",
                               "keras.layers.Embedding(VOCAB_SIZE, EMBED_DIM, mask_zero=True)")},
        loses=frozenset({"model_layers_and_params"}),
        says={"model_layers_and_params": "has input_dim 10000"},
        why="the global VOCAB_SIZE instead of the argument: right for the notebook's model, "
            "wrong for any other vocabulary",
    ),
    Variant(
        student="mistake-make-vectorizer-adds-test-reviews",
        edits={"make_vectorizer": (WHOLE_CELL, _ADDS_TEST_REVIEWS)},
        loses=frozenset({"vocabulary_fitted_on_train_only"}),
        says={"vocabulary_fitted_on_train_only": "adapts on other text than `texts`"},
        why="\"a richer vocabulary\" from train + test inside make_vectorizer, with the model "
            "file saved before that change: the function as written is run on the grader's "
            "reviews, so the earlier file cannot hide it",
    ),
    Variant(
        student="mistake-standardize-none",
        edits={"make_vectorizer": (WHOLE_CELL, _STANDARDIZE_NONE)},
        loses=frozenset({"vocabulary_fitted_on_train_only"}),
        says={"vocabulary_fitted_on_train_only": "it keeps case and punctuation"},
        why="\"no preprocessing\" (standardize=None, as in tutorials that clean the text "
            "themselves first), the model file saved before: 'Movie' and 'movie.' take "
            "places of their own and common words fall to [UNK]",
    ),
    Variant(
        student="mistake-conv1d-no-recurrence",
        edits={"build_model": (WHOLE_CELL, _CONV1D)},
        loses=frozenset({"model_layers_and_params"}),
        says={"model_layers_and_params": "Conv1D(64, 7)"},
        why="keras-io's text classification from scratch (Embedding, Conv1D, global max "
            "pooling) in build_model, the recurrent model file saved before: no recurrent "
            "layer, named as declared; the padding check has no recurrent layer to judge",
    ),
    # --- other correct solutions --------------------------------------------------------------
    Variant(
        student="correct-masked-simplernn",
        edits={"build_model": ("keras.layers.LSTM(RNN_UNITS),",
                               "keras.layers.SimpleRNN(RNN_UNITS),")},
        files=_own("correct-masked-simplernn"),
        why="the plain SimpleRNN with a mask: the reference the accuracy bound is set from",
    ),
    Variant(
        student="correct-functional-lstm",
        edits={"build_model": (WHOLE_CELL, _FUNCTIONAL_LSTM)},
        files=_own("correct-functional-lstm"),
        why="the functional API, LSTM(48) and a Dropout layer: other sizes, the same formula",
    ),
    Variant(
        student="correct-keras-example-idioms",
        edits={"pre_pad": (WHOLE_CELL, _PAD_SEQUENCES),
               "make_vectorizer": (WHOLE_CELL, _DATASET_VECTORIZER),
               "predict_sentiment": (WHOLE_CELL, _BATCHED_PREDICT)},
        why="pad_sequences, adapt on a tf.data pipeline with explicit settings, and prediction "
            "through the vectorizer and the integer model in a loop over batches: the same "
            "vocabulary, the same probabilities",
    ),
    Variant(
        student="correct-bidirectional-gru",
        edits={"build_model": (WHOLE_CELL, _BIDIRECTIONAL_GRU)},
        files=_own("correct-bidirectional-gru"),
        why="keras-io's Bidirectional LSTM on IMDB, with a GRU(16) and the functional API: "
            "both directions counted by formula, the mask carried to each",
    ),
    Variant(
        student="correct-counter-vocabulary",
        edits={"make_vectorizer": (WHOLE_CELL, _COUNTER_VOCABULARY),
               "pre_pad": (WHOLE_CELL, _LIST_PRE_PAD)},
        why="the classic tutorials' Counter of words handed to TextVectorization(vocabulary=) "
            "instead of adapt, and pre_pad as list arithmetic: the same vocabulary of the "
            "training reviews, the same rows",
    ),
    Variant(
        student="correct-direct-call-predict",
        edits={"predict_sentiment": (WHOLE_CELL, _DIRECT_CALL_PREDICT)},
        why="TensorFlow's text-classification tutorial: the end-to-end model called on a "
            "(n, 1) string tensor instead of predict: the same probabilities",
    ),
]
