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

_FUNCTIONAL_TANH = '''
def build_sine_model(step: int) -> keras.Model:
    """keras.Input((step, 1)) -> SimpleRNN(RNN_UNITS) -> Dense(8, relu) -> Dense(1)."""
    inputs = keras.Input(shape=(step, 1))
    state = keras.layers.SimpleRNN(RNN_UNITS)(inputs)  # tanh, the default
    hidden = keras.layers.Dense(8, activation="relu")(state)
    return keras.Model(inputs, keras.layers.Dense(1)(hidden))
'''

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-off-by-one-target",
        edits={"make_windows": ("return values[positions], values[step:]",
                                "return values[positions], values[step - 1:-1]")},
        loses=frozenset({"windows_match_reference", "split_keeps_test_out_of_training",
                         "sine_model_beats_baselines"}),
        why="each target is the last value of its own window, so the model learns to copy it: "
            "its test MSE is the last-value baseline's",
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
        why="the tutorial's (samples, 1, step) layout: one timestep of `step` features, so the "
            "model cannot read (step, 1) windows at all",
    ),
    Variant(
        student="mistake-tiny-learning-rate",
        edits={"train_sine_model": ("learning_rate=0.003", "learning_rate=0.00003")},
        loses=frozenset({"sine_model_beats_baselines"}),
        why="Adam at 3e-5 for 25 epochs barely moves from its starting weights. (Training without "
            "a seed is no mistake the grader can see: every seed passes.)",
    ),
    Variant(
        student="mistake-lists-not-arrays",
        edits={"make_windows": (WHOLE_CELL, _LIST_WINDOWS)},
        loses=frozenset({"windows_are_float_arrays", "sine_model_beats_baselines"}),
        why="the right windows as Python lists; Keras' fit then refuses the list of targets, so "
            "sine_model is never trained",
    ),
    Variant(
        student="mistake-reshapes-in-place",
        edits={"to_rnn_layout": ("return x.reshape(x.shape[0], x.shape[1], 1)",
                                 "x.shape = (x.shape[0], x.shape[1], 1)  # no copy needed\n"
                                 "    return x")},
        loses=frozenset({"windows_leave_input_unchanged"}),
        why="assigning x.shape reshapes the caller's float32 windows in place (np.asarray made "
            "no copy): x_train itself becomes 3-D. Training still works, so nothing else breaks",
    ),
    Variant(
        student="mistake-unsorted-vocabulary",
        edits={"char_windows": ("enumerate(sorted(set(text)))", "enumerate(set(text))")},
        loses=frozenset({"char_windows_match_reference", "char_model_fits_sentence"}),
        why="set order is not sorted order: the indices (and the model trained on them) do not "
            "match the vocabulary sorted(set(text))",
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
]
