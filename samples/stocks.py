"""Sample submissions of the stocks assignment, written as edits of the solution notebook.

Each mistake is one a student makes in practice; `loses` lists exactly the checks it fails. A
variant whose model differs from the solution's hands in the model its own notebook trained
(`files`); `python -m autograder samples stocks --train-models` makes them.
"""

from autograder.samples import WHOLE_CELL, Variant

FILES = {"stocks_model.keras": "solution"}
"""The model every sample hands in unless it says otherwise: the one the solution trained."""


def _own(student: str) -> dict:
    return {"stocks_model.keras": student}


_SHUFFLED_WINDOWS = '''
def prepare(dates, values, split_date: str, step: int):
    """Windows of the whole scaled series, then a random train/test split of the windows, the
    way train_test_split(x, y, test_size=...) does it by default (shuffle=True)."""
    train, test = split_by_date(dates, values, split_date)
    mean, std = float(np.mean(train)), float(np.std(train))
    scaled = (np.array(values, dtype=np.float64) - mean) / std
    x, y = make_windows(scaled, step)
    order = np.random.default_rng(SEED).permutation(len(x))
    test_rows, train_rows = order[:len(test)], order[len(test):]
    return (x[train_rows][..., np.newaxis], y[train_rows], x[test_rows][..., np.newaxis],
            y[test_rows], mean, std)
'''

_LAST_INPUT_TARGETS = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """inputs[i] = series[i:i + step], targets[i] = series[i + step], as float arrays."""
    values = np.array(series, dtype=np.float64)
    count = len(values) - step
    inputs = np.array([values[i:i + step] for i in range(count)]).reshape(count, step)
    targets = values[step - 1:len(values) - 1]  # the day the window ends
    return inputs, targets
'''

_DENSE_MODEL = '''
RNN_UNITS = 16


def build_model(step: int) -> keras.Model:
    """The window flattened into a Dense network: no recurrence."""
    return keras.Sequential([
        keras.Input((step, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(RNN_UNITS, activation="relu"),
        keras.layers.Dense(1),
    ])
'''

_SLIDING = '''
from numpy.lib.stride_tricks import sliding_window_view


def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """sliding_window_view over all but the last value: each window ends before its target."""
    values = np.asarray(series, dtype=np.float64)
    return sliding_window_view(values[:-1], step).copy(), values[step:].copy()
'''

_SEARCHSORTED = '''
def split_by_date(dates, values, split_date: str) -> tuple[np.ndarray, np.ndarray]:
    """The dates are sorted: the split is where split_date would be inserted."""
    cut = int(np.searchsorted(np.asarray(dates), np.datetime64(split_date), side="left"))
    values = [float(v) for v in values]
    return np.array(values[:cut]), np.array(values[cut:])
'''

_EVERYTHING = '''
history = None
if os.path.exists(MODEL_FILE):
    model = keras.saving.load_model(MODEL_FILE)
    print(f"loaded {MODEL_FILE}; delete it to train again")
else:
    # "More data is better": every day the arch package has, 1999 to 2018, and more epochs
    import arch.data.sp500

    all_prices = arch.data.sp500.load()["Adj Close"].to_numpy()
    x_all, y_all = make_windows((log_returns(all_prices) - return_mean) / return_std, STEP)
    EPOCHS = 60
    model, history = train_model(x_all[..., np.newaxis], y_all)
    model.save(MODEL_FILE)
'''

_MINMAX_TRAIN = '''
def prepare(dates, values, split_date: str, step: int):
    """MinMaxScaler's way, fitted on the training part only: (value - min) / (max - min).
    Returns the two numbers it scales with, the min and the range, in place of mean and std."""
    train, test = split_by_date(dates, values, split_date)
    low, high = float(np.min(train)), float(np.max(train))
    scaled = (np.array(values, dtype=np.float64) - low) / (high - low)
    x_train, y_train = make_windows(scaled[:len(train)], step)
    x_test, y_test = make_windows(scaled[len(train) - step:], step)
    return x_train[..., np.newaxis], y_train, x_test[..., np.newaxis], y_test, low, high - low
'''

_FUNCTIONAL_SIMPLERNN = '''
RNN_UNITS = 16


def build_model(step: int) -> keras.Model:
    """The functional API: (step, 1) windows -> SimpleRNN -> Dense(8, relu) -> Dense(1)."""
    windows = keras.Input(shape=(step, 1))
    state = keras.layers.SimpleRNN(RNN_UNITS)(windows)
    hidden = keras.layers.Dense(8, activation="relu")(state)
    return keras.Model(windows, keras.layers.Dense(1)(hidden))
'''

_STACKED = '''
RNN_UNITS = 16


def build_model(step: int) -> keras.Model:
    """The stock-prediction blogs' stack: two LSTMs with Dropout between them, then Dense(1)."""
    return keras.Sequential([
        keras.Input((step, 1)),
        keras.layers.LSTM(RNN_UNITS, return_sequences=True),
        keras.layers.Dropout(0.2),
        keras.layers.LSTM(RNN_UNITS),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1),
    ])
'''

_TIMESERIES_DATASET = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """keras.utils.timeseries_dataset_from_array, as the Keras timeseries examples use it:
    windows of all but the last value, targets[i] the value after window i."""
    values = np.asarray(series, dtype=np.float64)
    dataset = keras.utils.timeseries_dataset_from_array(
        values[:-1], targets=values[step:], sequence_length=step, batch_size=256)
    inputs, targets = [], []
    for batch_inputs, batch_targets in dataset:
        inputs.append(np.asarray(batch_inputs))
        targets.append(np.asarray(batch_targets))
    if not inputs:
        return np.zeros((0, step)), np.zeros(0)
    return np.concatenate(inputs), np.concatenate(targets)
'''

_ONE_DAY_LATE = '''
def make_windows(series, step: int) -> tuple[np.ndarray, np.ndarray]:
    """inputs[i] = series[i:i + step] and, one index too far, targets[i] = series[i + step + 1]."""
    values = np.array(series, dtype=np.float64)
    count = len(values) - step - 1
    inputs = np.array([values[i:i + step] for i in range(count)]).reshape(count, step)
    return inputs, values[step + 1:].copy()
'''

_SPLIT_BY_SHARE = '''
def split_by_date(dates, values, split_date: str) -> tuple[np.ndarray, np.ndarray]:
    """The first 80% for training, as in train_size = int(len(dataset) * 0.8): a share, not a
    date."""
    values = np.array(values, dtype=np.float64)
    cut = int(len(values) * 0.8)
    return values[:cut], values[cut:]
'''

VARIANTS = [
    # --- realistic mistakes ---------------------------------------------------------------------
    Variant(
        student="mistake-scaler-fitted-on-whole-series",
        edits={"prepare": ("mean, std = float(np.mean(train)), float(np.std(train))",
                           "mean, std = float(np.mean(values)), float(np.std(values))")},
        files=_own("mistake-scaler-fitted-on-whole-series"),
        loses=frozenset({"prepare_scales_with_training_stats"}),
        says={"prepare_scales_with_training_stats": "leaks into the scaling"},
        why="the scaler (StandardScaler().fit(series)) fitted on the whole series: the test "
            "period's level and spread shape the training inputs",
    ),
    Variant(
        student="mistake-shuffled-window-split",
        edits={"prepare": (WHOLE_CELL, _SHUFFLED_WINDOWS)},
        files=_own("mistake-shuffled-window-split"),
        loses=frozenset({"prepare_keeps_test_out_of_training", "prepare_windows_are_exact"}),
        says={"prepare_keeps_test_out_of_training": "a test value in training"},
        why="windows of the whole series split at random (train_test_split's default): test "
            "days end up in the training windows",
    ),
    Variant(
        student="mistake-test-windows-start-at-split",
        edits={"prepare": ("make_windows(scaled[len(train) - step:], step)",
                           "make_windows(scaled[len(train):], step)")},
        loses=frozenset({"prepare_windows_are_exact"}),
        says={"prepare_windows_are_exact": "are never predicted"},
        why="the test windows are cut from the test part alone: its first STEP days are only "
            "inputs, never predicted",
    ),
    Variant(
        student="mistake-targets-are-last-input",
        edits={"make_windows": (WHOLE_CELL, _LAST_INPUT_TARGETS)},
        files=_own("mistake-targets-are-last-input"),
        loses=frozenset({"windows_match_reference", "prepare_windows_are_exact",
                         "saved_model_on_unseen_returns"}),
        says={"windows_match_reference": "the last value of its own window"},
        why="windows off by one: each target is the window's own last day, so the model learns "
            "to copy today",
    ),
    Variant(
        student="mistake-price-model-handed-in",
        edits={"train": ("model.save(MODEL_FILE)",
                         "price_model.save(MODEL_FILE)  # its plot looked the best")},
        files=_own("mistake-price-model-handed-in"),
        loses=frozenset({"saved_model_on_unseen_returns"}),
        says={"saved_model_on_unseen_returns": "what a model trained on prices learns"},
        why="hands in the model of prices, whose predicted curve looked accurate, instead of "
            "the model of returns",
    ),
    Variant(
        student="mistake-dense-no-recurrence",
        edits={"build_model": (WHOLE_CELL, _DENSE_MODEL)},
        files=_own("mistake-dense-no-recurrence"),
        loses=frozenset({"model_layers_and_params", "saved_model_reads_return_windows",
                         "saved_model_on_unseen_returns"}),
        says={"model_layers_and_params": "should start with a recurrent layer",
              "saved_model_reads_return_windows": "should start with a recurrent layer"},
        why="a Dense network on the flattened window: no recurrent layer, and it fits the "
            "noise of the training days (its MSE on new days is 8% above the mean baseline's)",
    ),
    Variant(
        student="mistake-trained-on-everything",
        edits={"train": (WHOLE_CELL, _EVERYTHING),
               "build_model": ("RNN_UNITS = 16", "RNN_UNITS = 32")},
        files=_own("mistake-trained-on-everything"),
        loses=frozenset({"no_gap_between_test_and_unseen"}),
        says={"no_gap_between_test_and_unseen": "it has been trained on them"},
        why="trains a bigger model for 60 epochs on every day the package has (1999-2018): it "
            "memorizes the test period and the held-back years",
    ),
    Variant(
        student="mistake-targets-one-day-late",
        edits={"make_windows": (WHOLE_CELL, _ONE_DAY_LATE)},
        files=_own("mistake-targets-one-day-late"),
        loses=frozenset({"windows_match_reference", "prepare_windows_are_exact"}),
        says={"windows_match_reference": "two days after its window",
              "prepare_windows_are_exact": "follows from make_windows"},
        why="the look-back loop of blog tutorials (dataX = a[i:i + look_back], dataY = "
            "a[i + look_back + 1]) off by one the other way: each target is two days after "
            "its window",
    ),
    Variant(
        student="mistake-split-by-share",
        edits={"split_by_date": (WHOLE_CELL, _SPLIT_BY_SHARE)},
        files=_own("mistake-split-by-share"),
        loses=frozenset({"split_is_chronological", "prepare_scales_with_training_stats",
                         "prepare_keeps_test_out_of_training", "prepare_windows_are_exact"}),
        says={"split_is_chronological": "on or after the split date",
              "prepare_scales_with_training_stats": "follows from split_by_date",
              "prepare_keeps_test_out_of_training": "follows from split_by_date",
              "prepare_windows_are_exact": "follows from split_by_date"},
        why="train_size = int(len(dataset) * 0.8), the split of most LSTM stock tutorials: a "
            "share of the days instead of the split date; prepare, which calls it, fails with "
            "it and says so",
    ),
    Variant(
        student="mistake-minmax-model-fits-noise",
        edits={"prepare": (WHOLE_CELL, _MINMAX_TRAIN)},
        files=_own("mistake-minmax-model-fits-noise"),
        loses=frozenset({"saved_model_on_unseen_returns"}),
        says={"saved_model_on_unseen_returns": "min-max scaled"},
        why="MinMaxScaler's scaling of the stock-price blogs, fitted on the training part "
            "only: prepare is right and passes its checks, and the grader feeds the saved "
            "model returns scaled with that min and range; but the returns fill a narrow band "
            "of [0, 1] and the notebook's 10 epochs fit their noise: 4% worse than the mean "
            "on new days, which is what the message says (not tomorrow = today)",
    ),
    Variant(
        student="mistake-timeseries-dataset-drops-windows",
        edits={"make_windows": (WHOLE_CELL, _TIMESERIES_DATASET.replace(
            "values[:-1], targets", "values[:-step], targets").replace(
            "windows of all but the last value", "windows of data[:-step], as its docs' "
            "example writes"))},
        files=_own("mistake-timeseries-dataset-drops-windows"),
        loses=frozenset({"windows_match_reference", "prepare_windows_are_exact"}),
        says={"windows_match_reference": "the last step - 1 windows",
              "prepare_windows_are_exact": "follows from make_windows"},
        why="timeseries_dataset_from_array(data[:-step], targets=data[step:]) as the Keras "
            "docs' example writes it: windows stop step values before the end, so the last "
            "step - 1 windows are lost",
    ),
    # --- other correct solutions --------------------------------------------------------------
    Variant(
        student="correct-gru",
        edits={"build_model": ("keras.layers.LSTM(RNN_UNITS)", "keras.layers.GRU(RNN_UNITS)")},
        files=_own("correct-gru"),
        why="a GRU instead of the LSTM: another formula, the same verdict",
    ),
    Variant(
        student="correct-sliding-window-view",
        edits={"make_windows": (WHOLE_CELL, _SLIDING),
               "split_by_date": (WHOLE_CELL, _SEARCHSORTED)},
        why="windows with sliding_window_view and a split with searchsorted: the same arrays, "
            "so the same training and the solution's model",
    ),
    Variant(
        student="correct-functional-simplernn",
        edits={"build_model": (WHOLE_CELL, _FUNCTIONAL_SIMPLERNN)},
        files=_own("correct-functional-simplernn"),
        why="the functional API of the Keras guides, a SimpleRNN and a Dense(8, relu) layer "
            "before Dense(1), as the seed's sine model has: other layers, the same formula",
    ),
    Variant(
        student="correct-stacked-lstm-dropout",
        edits={"build_model": (WHOLE_CELL, _STACKED)},
        files=_own("correct-stacked-lstm-dropout"),
        why="the stacked LSTM with Dropout of the stock-prediction blogs "
            "(LSTM(return_sequences=True), Dropout(0.2), LSTM, Dropout(0.2), Dense(1))",
    ),
    Variant(
        student="correct-timeseries-dataset",
        edits={"make_windows": (WHOLE_CELL, _TIMESERIES_DATASET)},
        why="keras.utils.timeseries_dataset_from_array, the Keras weather example's tf.data "
            "windows, collected to numpy: the same arrays, so the solution's model",
    ),
]
