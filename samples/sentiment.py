"""Sample submissions of the sentiment assignment, written as edits of the solution notebook.

Each mistake is one the seed tutorial makes or a student makes in practice; `loses` lists
exactly the checks it fails. A variant whose model differs from the solution's hands in the
model its own notebook trained (`files`); `python -m autograder samples sentiment
--train-models` makes them.
"""

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
        why="the seed's model: a SimpleRNN reading the vectorizer's post padding with no mask "
            "ends on a run of zeros and stays near chance",
    ),
    Variant(
        student="mistake-vectorizer-adapted-on-test",
        edits={"vectorize": ("make_vectorizer(train_texts, VOCAB_SIZE, MAXLEN)",
                             "make_vectorizer(test_texts, VOCAB_SIZE, MAXLEN)")},
        files=_own("mistake-vectorizer-adapted-on-test"),
        loses=frozenset({"vocabulary_fitted_on_train_only"}),
        why="the vocabulary is learned from the test reviews: the model trains on the training "
            "reviews, but the test split chose its words",
    ),
    Variant(
        student="mistake-new-vectorizer-at-prediction",
        edits={"predict_sentiment": (WHOLE_CELL, _NEW_VECTORIZER)},
        loses=frozenset({"predict_sentiment_reuses_vocabulary"}),
        why="the seed's inference cell: a vocabulary fitted on the new texts, whose integers "
            "name other words than the ones the model learned",
    ),
    Variant(
        student="mistake-sigmoid-missing",
        edits={"build_model": ('keras.layers.Dense(1, activation="sigmoid")',
                               "keras.layers.Dense(1)")},
        files=_own("mistake-sigmoid-missing"),
        loses=frozenset({"model_layers_and_params", "predictions_are_probabilities"}),
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
        why="training on the training and test reviews together: the model knows the test "
            "reviews better than new ones, so its test accuracy overstates it",
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
]
