"""Sample submissions of the windows assignment, written as edits of the solution notebook.

Each mistake is one a student makes in practice; `loses` lists exactly the checks it must
fail, including the ones it breaks further down the notebook (a model trained on wrong
windows, a training cell that crashes).
"""

from autograder.samples import WHOLE_CELL, Variant

_LOOP_WINDOWS = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (inputs, targets) for next-value prediction."""
    if not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    values = [float(v) for v in series]
    if len(values) <= step:
        raise ValueError("the series is too short for one window and its target")
    inputs, targets = [], []
    for start in range(len(values) - step):
        inputs.append(values[start:start + step])
        targets.append(values[start + step])
    return np.array(inputs), np.array(targets)
'''

_SLIDING_WINDOWS = '''
from numpy.lib.stride_tricks import sliding_window_view


def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (inputs, targets) for next-value prediction."""
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 1:
        raise ValueError(f"step should be an int >= 1, not {step!r}")
    values = np.asarray(series, dtype=np.float64)
    if values.shape[0] <= step:
        raise ValueError(f"{values.shape[0]} values leave no target after a window of {step}")
    # Every window but the last one of values[:-1] ends right before a value it can predict.
    inputs = sliding_window_view(values[:-1], step).copy()
    return inputs, values[step:].copy()
'''

_LIST_WINDOWS = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (inputs, targets) for next-value prediction."""
    if not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    if len(series) <= step:
        raise ValueError("the series is too short")
    inputs, targets = [], []
    for i in range(len(series) - step):
        inputs.append([float(v) for v in series[i:i + step]])
        targets.append(float(series[i + step]))
    return inputs, targets
'''

_SHORT_LOOP_WINDOWS = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (inputs, targets) for next-value prediction."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    values = np.array(series, dtype=np.float64)
    if len(values) <= step:
        raise ValueError("the series is too short for one window and its target")
    inputs, targets = [], []
    for start in range(len(values) - step - 1):
        inputs.append(values[start:start + step])
        targets.append(values[start + step])
    return np.array(inputs, dtype=np.float64).reshape(-1, step), np.array(targets, dtype=np.float64)
'''

_FUNCTIONAL_TANH = '''
def build_sine_model(step: int) -> keras.Model:
    """keras.Input((step, 1)) -> SimpleRNN(RNN_UNITS) -> Dense(8, relu) -> Dense(1)."""
    inputs = keras.Input(shape=(step, 1))
    state = keras.layers.SimpleRNN(RNN_UNITS)(inputs)  # tanh, the default
    hidden = keras.layers.Dense(8, activation="relu")(state)
    return keras.Model(inputs, keras.layers.Dense(1)(hidden))
'''

_EXTRA_WINDOW = '''
from numpy.lib.stride_tricks import sliding_window_view


def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (inputs, targets) for next-value prediction."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError("step should be a positive int")
    values = np.array(series, dtype=np.float32)
    if len(values) <= step:
        raise ValueError("the series is too short")
    return sliding_window_view(values, step), values[step:]
'''

_COMPREHENSIONS = {
    "split_windows": '''
def split_windows(series, step: int, train_size: int = 800):
    """Windows of the training part, and of the test part with its `step` values of context."""
    values = [float(v) for v in series]
    train = make_windows(values[:train_size], step)
    test = make_windows(values[train_size - step:], step)
    return (*train, *test)
''',
    "last_value_baseline": '''
def last_value_baseline(x) -> np.ndarray:
    return np.array([window[-1] for window in x])
''',
    "window_mean_baseline": '''
def window_mean_baseline(x) -> np.ndarray:
    return np.array([sum(window) / len(window) for window in x])
''',
    "to_rnn_layout": '''
def to_rnn_layout(windows) -> np.ndarray:
    return np.expand_dims(np.array(windows, dtype="float32"), axis=-1)
''',
    "char_windows": '''
def char_windows(text: str, size: int = 3):
    vocab = sorted(set(text))
    codes = [vocab.index(char) for char in text]
    x = np.array([codes[i:i + size] for i in range(len(text) - size)], dtype=np.int32)
    return x.reshape(-1, size), np.array(codes[size:], dtype=np.int32)
''',
    "build_char_model": '''
def build_char_model(vocab_size: int, size: int) -> keras.Model:
    inputs = keras.Input(shape=(size, vocab_size))
    state = keras.layers.GRU(24)(inputs)
    return keras.Model(inputs, keras.layers.Dense(vocab_size, activation="softmax")(state))
''',
}

_TIMESERIES_DATASET = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """keras.utils.timeseries_dataset_from_array, the keras-io idiom, collected into arrays."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    values = np.array(series, dtype="float32")
    if len(values) <= step:
        raise ValueError("the series is too short for one window and its target")
    dataset = keras.utils.timeseries_dataset_from_array(
        values, values[step:], sequence_length=step, batch_size=256)
    inputs, targets = zip(*[(np.asarray(x), np.asarray(y)) for x, y in dataset])
    return np.concatenate(inputs), np.concatenate(targets)
'''

_TF_DATA_GRU = {
    "make_windows": (WHOLE_CELL, '''
import tensorflow as tf


def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The TensorFlow time-series tutorial's tf.data windows: window, flat_map, split."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    values = np.array(series, dtype=np.float64)
    if len(values) <= step:
        raise ValueError("the series is too short for one window and its target")
    dataset = tf.data.Dataset.from_tensor_slices(values)
    dataset = dataset.window(step + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(step + 1))
    rows = np.stack([row.numpy() for row in dataset])
    return rows[:, :-1], rows[:, -1]
'''),
    "build_sine_model": (WHOLE_CELL, '''
def build_sine_model(step: int) -> keras.Model:
    """Functional, any window length: GRU(RNN_UNITS) -> Dense(8, relu) -> Dense(1)."""
    inputs = keras.Input(shape=(None, 1))
    hidden = keras.layers.GRU(RNN_UNITS)(inputs)
    hidden = keras.layers.Dense(8, activation="relu")(hidden)
    return keras.Model(inputs, keras.layers.Dense(1)(hidden), name="sine_gru")
'''),
}

_STACKED = {
    "build_sine_model": (WHOLE_CELL, '''
def build_sine_model(step: int) -> keras.Model:
    """Deep Learning with Python's stacked recurrent layers, with dropout between."""
    model = keras.Sequential(name="stacked_rnn")
    model.add(keras.Input(shape=(step, 1)))
    model.add(keras.layers.SimpleRNN(RNN_UNITS, activation="relu", return_sequences=True))
    model.add(keras.layers.SimpleRNN(16, activation="relu"))
    model.add(keras.layers.Dropout(0.1))
    model.add(keras.layers.Dense(1))
    return model
'''),
    "char_windows": (WHOLE_CELL, '''
from numpy.lib.stride_tricks import sliding_window_view


def char_windows(text: str, size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """karpathy's char-rnn tables (stoi), windows by sliding_window_view."""
    chars = sorted(list(set(text)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = np.array([stoi[ch] for ch in text], dtype=np.int64)
    return sliding_window_view(data[:-1], size).copy(), data[size:].copy()
'''),
}

_SHUFFLED_SPLIT = '''
def split_windows(series, step: int, train_size: int = 800):
    """Windows of the whole series, shuffled and cut, as train_test_split does by default."""
    x, y = make_windows(series, step)
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:train_size - step], order[train_size - step:]
    return x[train], y[train], x[test], y[test]
'''

_DATA_CUT_SHORT = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """timeseries_dataset_from_array as its docstring's example calls it: data[:-step]."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError("step must be a positive int")
    values = np.array(series, dtype="float32")
    if len(values) <= step:
        raise ValueError("the series is too short for one window and its target")
    try:
        batches = list(keras.utils.timeseries_dataset_from_array(
            values[:-step], values[step:], sequence_length=step, batch_size=256))
    except ValueError:  # Keras refuses data shorter than one sequence
        batches = []
    if not batches:
        return np.zeros((0, step), dtype="float32"), np.zeros((0,), dtype="float32")
    return (np.concatenate([np.asarray(x) for x, _ in batches]),
            np.concatenate([np.asarray(y) for _, y in batches]))
'''

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-off-by-one-target",
        edits={"make_windows": ("return values[positions], values[step:]",
                                "return values[positions], values[step - 1:-1]")},
        loses=frozenset({"windows_match_reference", "sine_model_beats_baselines"}),
        says={"windows_match_reference": "the last value of its own window",
              "sine_model_beats_baselines": "fix make_windows first"},
        why="each target is the last value of its own window, so the model learns to copy it: "
            "its test MSE is the last-value baseline's. split_windows is right: it cuts the "
            "right slices with this make_windows, and keeps its points",
    ),
    Variant(
        student="mistake-loop-one-window-short",
        edits={"make_windows": (WHOLE_CELL, _SHORT_LOOP_WINDOWS)},
        loses=frozenset({"windows_match_reference"}),
        says={"windows_match_reference": "one window too few"},
        why="range(len(values) - step - 1) stops one window early: the last value is never a "
            "target. The public split test blames make_windows; the hidden split check judges "
            "split_windows on its own (right), and the model trains well on one window less",
    ),
    Variant(
        student="mistake-windows-overlap-test",
        edits={"split_windows": (
            "    values = np.array(series, dtype=np.float32)\n"
            "    x_train, y_train = make_windows(values[:train_size], step)\n"
            "    x_test, y_test = make_windows(values[train_size - step:], step)\n"
            "    return x_train, y_train, x_test, y_test",
            "    inputs, targets = make_windows(series, step)\n"
            "    return (inputs[:train_size], targets[:train_size],\n"
            "            inputs[train_size:], targets[train_size:])",
        )},
        loses=frozenset({"split_keeps_test_out_of_training"}),
        says={"split_keeps_test_out_of_training": "a test value"},
        why="windows of the whole series split at window 800: the last training targets are "
            "series[800:804], test values",
    ),
    Variant(
        student="mistake-one-step-of-features",
        edits={
            "to_rnn_layout": ("return x.reshape(x.shape[0], x.shape[1], 1)",
                              "return x.reshape(x.shape[0], 1, x.shape[1])"),
            "build_sine_model": ("keras.Input((step, 1)),", "keras.Input((1, step)),"),
        },
        loses=frozenset({"rnn_layout_is_steps_by_one", "sine_model_architecture",
                         "sine_model_beats_baselines"}),
        says={"rnn_layout_is_steps_by_one": "one timestep of 4 features",
              "sine_model_architecture": "one timestep of 4 features"},
        why="the tutorial's (samples, 1, step) layout: one timestep of `step` features, so the "
            "model cannot read (step, 1) windows at all",
    ),
    Variant(
        student="mistake-tiny-learning-rate",
        edits={"train_sine_model": ("learning_rate=0.001", "learning_rate=0.00001")},
        loses=frozenset({"sine_model_beats_baselines"}),
        says={"sine_model_beats_baselines": "at most the window mean's"},
        why="Adam at 1e-5 for 40 epochs barely moves from its starting weights. (Training without "
            "a seed is no mistake the grader can see: every seed passes.)",
    ),
    Variant(
        student="mistake-lists-not-arrays",
        edits={"make_windows": (WHOLE_CELL, _LIST_WINDOWS)},
        loses=frozenset({"windows_are_float_arrays", "sine_model_beats_baselines"}),
        says={"windows_are_float_arrays": "came back as a list"},
        why="the right windows as Python lists; Keras' fit then refuses the list of targets, so "
            "sine_model is never trained",
    ),
    Variant(
        student="mistake-reshapes-in-place",
        edits={"to_rnn_layout": ("return x.reshape(x.shape[0], x.shape[1], 1)",
                                 "x.shape = (x.shape[0], x.shape[1], 1)  # no copy needed\n"
                                 "    return x")},
        loses=frozenset({"windows_leave_input_unchanged"}),
        says={"windows_leave_input_unchanged": "changed the shape of the array it was given"},
        why="assigning x.shape reshapes the caller's float32 windows in place (np.asarray made "
            "no copy): x_train itself becomes 3-D. Training still works, so nothing else breaks",
    ),
    Variant(
        student="mistake-unsorted-vocabulary",
        edits={"char_windows": ("enumerate(sorted(set(text)))", "enumerate(set(text))")},
        loses=frozenset({"char_windows_match_reference", "char_model_fits_sentence"}),
        says={"char_windows_match_reference": "not positions in the sorted vocabulary"},
        why="set order is not sorted order: the indices (and the model trained on them) do not "
            "match the vocabulary sorted(set(text))",
    ),
    Variant(
        student="mistake-sliding-window-extra-window",
        edits={"make_windows": (WHOLE_CELL, _EXTRA_WINDOW)},
        loses=frozenset({"windows_match_reference", "sine_model_beats_baselines"}),
        says={"windows_match_reference": "one window too many",
              "sine_model_beats_baselines": "fix make_windows first"},
        why="sliding_window_view over the whole series: its last window has no target, so "
            "there is one more input row than targets and fit refuses the training windows. "
            "split_windows passes it on unchanged and is not blamed",
    ),
    Variant(
        student="mistake-window-mean-axis-0",
        edits={"window_mean_baseline": ("np.asarray(x).mean(axis=1)",
                                        "np.asarray(x).mean(axis=0)")},
        loses=frozenset({"baselines_match_reference"}),
        says={"baselines_match_reference": "along axis 0"},
        why="the mean of each position across windows, one value per timestep",
    ),
    Variant(
        student="mistake-test-windows-from-the-split",
        edits={"split_windows": ("make_windows(values[train_size - step:], step)",
                                 "make_windows(values[train_size:], step)")},
        loses=frozenset({"split_keeps_test_out_of_training"}),
        says={"split_keeps_test_out_of_training": "never a target"},
        why="the test part windowed on its own: no leak, but the first `step` test values are "
            "never predicted",
    ),
    Variant(
        student="mistake-sine-return-sequences",
        edits={"build_sine_model": ('keras.layers.SimpleRNN(RNN_UNITS, activation="relu")',
                                    'keras.layers.SimpleRNN(RNN_UNITS, activation="relu", '
                                    'return_sequences=True)')},
        loses=frozenset({"sine_model_architecture", "sine_model_beats_baselines"}),
        says={"sine_model_architecture": "return_sequences=True",
              "sine_model_beats_baselines": "(None, 1)"},
        why="copied from a sequence-to-sequence example: one output per timestep, not one per "
            "window",
    ),
    # --- other correct solutions --------------------------------------------------------------
    Variant(
        student="correct-loop-windows",
        edits={"make_windows": (WHOLE_CELL, _LOOP_WINDOWS)},
        why="a plain loop over window starts, float64 arrays",
    ),
    Variant(
        student="correct-sliding-window-view",
        edits={"make_windows": (WHOLE_CELL, _SLIDING_WINDOWS)},
        why="numpy.lib.stride_tricks.sliding_window_view, copied so no view of the input escapes",
    ),
    Variant(
        student="correct-functional-tanh-16-units",
        edits={"rnn_units": ("RNN_UNITS = 32", "RNN_UNITS = 16"),
               "build_sine_model": (WHOLE_CELL, _FUNCTIONAL_TANH)},
        why="the functional API, 16 tanh units: another size, the same formula",
    ),
    Variant(
        student="correct-comprehensions-gru",
        edits={name: (WHOLE_CELL, code) for name, code in _COMPREHENSIONS.items()},
        why="list comprehensions over windows, np.expand_dims for the layout, vocab.index for "
            "the characters and a functional GRU(24) for the next character",
    ),
    # --- realistic mistakes in other idioms ------------------------------------------------
    Variant(
        student="mistake-shuffled-split",
        edits={"split_windows": (WHOLE_CELL, _SHUFFLED_SPLIT)},
        loses=frozenset({"split_keeps_test_out_of_training"}),
        says={"split_keeps_test_out_of_training": "a test value"},
        why="scikit-learn's train_test_split shuffles by default: windows of the whole series "
            "permuted, then cut, so test values land in training windows",
    ),
    Variant(
        student="mistake-timeseries-data-cut-short",
        edits={"make_windows": (WHOLE_CELL, _DATA_CUT_SHORT)},
        loses=frozenset({"windows_match_reference"}),
        says={"windows_match_reference": "is missing: windows of series[:-step]"},
        why="keras.utils.timeseries_dataset_from_array(data[:-step], data[step:]) as in its "
            "docstring: the last step - 1 windows are lost. split_windows cuts the right "
            "slices with it and keeps its points; the model trains on 3 windows fewer",
    ),
    Variant(
        student="mistake-window-mean-keepdims",
        edits={"window_mean_baseline": ("np.asarray(x).mean(axis=1)",
                                        "np.asarray(x).mean(axis=1, keepdims=True)")},
        loses=frozenset({"baselines_match_reference"}),
        says={"baselines_match_reference": "shape (6, 1)"},
        why="keepdims=True, the broadcasting idiom, gives a column (samples, 1), not one "
            "prediction per window as a vector",
    ),
    Variant(
        student="mistake-units-hard-coded",
        edits={"build_sine_model": ("keras.layers.SimpleRNN(RNN_UNITS, activation=\"relu\")",
                                    "keras.layers.SimpleRNN(64, activation=\"relu\")")},
        loses=frozenset({"sine_model_architecture"}),
        says={"sine_model_architecture": "has 64 units"},
        why="the size copied from a tutorial instead of RNN_UNITS: the model still learns",
    ),
    # --- other correct solutions in other idioms ----------------------------------------------
    Variant(
        student="correct-timeseries-dataset",
        edits={"make_windows": (WHOLE_CELL, _TIMESERIES_DATASET)},
        why="keras.utils.timeseries_dataset_from_array(values, values[step:]), the keras-io "
            "idiom, its batches concatenated",
    ),
    Variant(
        student="correct-tf-data-gru-any-length",
        edits=_TF_DATA_GRU,
        why="the TensorFlow time-series tutorial's Dataset.window and flat_map, and a "
            "functional GRU reading windows of any length, keras.Input((None, 1))",
    ),
    Variant(
        student="correct-stacked-rnn-sliding-chars",
        edits=_STACKED,
        why="Deep Learning with Python's stacked recurrent layers with Dropout, and "
            "karpathy's stoi table with sliding_window_view for the character windows",
    ),
]
