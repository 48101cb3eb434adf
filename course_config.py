"""The course: nbgrader's configuration and the single home of the kit's grading settings.

nbgrader reads it through ``nbgrader_config.py`` (nbgrader's own convention: the config file in the
folder a command runs from), which calls `configure`; the grader and the tests import it as a
module. Everything a grade depends on (thresholds, seeds, limits) is here, with
the measurement it comes from.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

COURSE_ID = "rnn-keras"
ROOT = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class ModelCaps:
    """What a handed-in model may declare. The trusted grader reads each model's config.json and
    refuses one over any cap before building it (autograder/model_caps.py): a tiny archive could
    otherwise declare gigabytes of weights, or inputs that hold the grader for minutes. Every
    setting that adds weights is counted (use_bias, GRU's reset_after, Bidirectional's two
    layers, lora_rank), and every dataset of the weights file must have the shape of a weight
    the configuration declares. The defaults serve onehot, windows and addition."""

    layers: int = 50
    """Layers, nested models, wrapped layers and inputs included. The solutions have 4 to 8."""
    parameters: int = 10_000_000
    """Weights by formula from the declared sizes and settings (40 MB of float32). The largest
    solution, sentiment's, has 328,353 (320,000 of them its Embedding); addition's LSTM(128)
    205,324, which "lora_rank": 3000000 in its Dense layer would make 420,205,324."""
    steps: int = 100
    """The longest sequence a model may read or write. Addition reads 7 steps and writes 4 (9
    and 5 for the hidden 4-digit build), windows accepts STEP up to 64, onehot reads 15
    characters of its sentence."""
    tokens: int = 50_000
    """TextVectorization max_tokens, and the tokens a one-hot encoding (CategoryEncoding's
    num_tokens, keras.ops.one_hot's num_classes) gives a vector to. The sentiment notebook's
    VOCAB_SIZE is 10,000; textgen's vocabulary has 47 characters."""
    weight_steps: int = 50_000_000
    """Weights outside Embedding lookups times the longest sequence: the multiply-adds per
    input, which bound the time to evaluate a model. Addition's solution: 1,437,268 (205,324
    weights over 7 steps)."""


@dataclass(frozen=True)
class FeedbackPolicy:
    """What the grading service (`python -m autograder watch`) shows a student about a
    submission, and how often. A page in detail shows more than the total; a student over
    `detailed_pages` in `period_hours` gets the total and when the next detailed page comes, so
    resubmitting cannot be used to map the hidden checks."""

    before_deadline: str = "full"
    """What a page shows before the assignment's deadline: "full" (every check with its
    message), "titles" (every check and its points, no messages) or "total"."""
    detailed_pages: int = 3
    """Detailed pages per student and assignment within `period_hours`."""
    period_hours: float = 24.0


SHOWN = ("total", "titles", "full")
"""What a feedback page can show, from least to most."""


@dataclass(frozen=True)
class Assignment:
    """One assignment: its folder name, its notebook, and the grading settings that belong to it."""

    name: str
    notebook: str
    title: str
    support_files: tuple[str, ...] = ()
    """Files of release/<name>/ that the grader lays over a submission (trusted copies)."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Accuracy (or error) bounds of the hidden checks, keyed by what they measure."""
    saved_files: tuple[str, ...] = ()
    """Files the student saves next to the notebook (trained models). The checks read the
    submitted copies; the notebook's training cell loads them instead of training again."""
    cell_cpu_seconds: int = 120
    """CPU seconds one cell may use (load on the machine does not change them)."""
    notebook_cpu_seconds: int = 300
    """CPU seconds the whole notebook may use."""
    model_caps: ModelCaps = field(default_factory=ModelCaps)
    """What the models its checks load may declare (files handed in and models exported)."""
    deadline: str | None = None
    """When the assignment is due, in UTC (ISO 8601, "2027-02-01T23:59:00"); None: no deadline."""
    feedback: FeedbackPolicy = field(default_factory=FeedbackPolicy)
    """What the grading service's pages show, and how often in detail."""

    @property
    def cell_wall_seconds(self) -> int:
        """Wall-clock backstop of one cell, for code that waits instead of computing."""
        return WALL_FACTOR * self.cell_cpu_seconds + WALL_SLACK_SECONDS

    @property
    def notebook_wall_seconds(self) -> int:
        """Wall-clock backstop of the whole notebook."""
        return WALL_FACTOR * self.notebook_cpu_seconds + 2 * WALL_SLACK_SECONDS


ASSIGNMENTS: dict[str, Assignment] = {
    "onehot": Assignment(
        name="onehot",
        notebook="onehot.ipynb",
        title="One-hot encoding and a character RNN",
        thresholds={
            # "hihell" -> "ihello": every reference seed (0-4, CPU) reaches 6/6 well before the
            # notebook's epoch budget, and the exercise asks for the exact word.
            "hihello_char_accuracy": 1.0,
            # " if you want you", 15 next-character targets. Reference seeds 0-4 (and 7, 42,
            # 123) reach 15/15 in the notebook's 40 epochs; the bound allows one wrong
            # character (14/15 = 0.933) as margin for other correct layouts, while a model
            # without recurrence is capped at 13/15 (a space is followed by i, y, w and y).
            "sentence_char_accuracy": 0.93,
        },
        cell_cpu_seconds=60,
        notebook_cpu_seconds=240,
    ),
    "windows": Assignment(
        name="windows",
        notebook="windows.ipynb",
        title="Windows over a series: a noisy sine and next characters",
        thresholds={
            # Test MSE of sine_model on the grader's own noisy sine (hidden seed, 1000 values,
            # split at 800, 200 test windows) at most this much above the window mean's on the
            # same windows. Relative, because series differ: with STEP = 4 the window mean
            # scores 0.399 on the grader's (last value 0.581, noise floor 0.333) and 0.459 on
            # the notebook's SEED = 42 series. The reference solution (SimpleRNN(32, relu),
            # Adam 0.001, 40 epochs; tests/test_calibration_windows.py, SEED = 0-4, CPU) gives
            # 0.391, 0.396, 0.381, 0.390, 0.386 (SEED = 42: 0.389): worst 0.003 below the
            # window mean, 0.053 inside the bound (0.449 there). The notebook's own run shows
            # 0.442 against its series' window mean 0.459 (bound 0.509). A model trained on
            # off-by-one targets (about the last value's 0.58) or barely trained misses the
            # bound by far. Every seed passing means unseeded training passes too.
            "sine_mse_over_window_mean": 0.05,
            # Next character of "every window ends where the next character begins" from the 3
            # before it (46 windows, each with a single successor). Reference seeds 0-4: 46/46;
            # the bound allows two misses (44/46 = 0.957).
            "char_accuracy": 0.95,
        },
        cell_cpu_seconds=60,
        notebook_cpu_seconds=180,
    ),
    "addition": Assignment(
        name="addition",
        notebook="addition.ipynb",
        title="Seq2seq: a model that learns to add",
        saved_files=("addition_model.keras",),
        thresholds={
            # Exact-match accuracy of the saved model on the grader's 2,000 fresh 3-digit
            # questions (hidden seed). The bound must pass every correct seq2seq, so it comes
            # from the weakest the notebook allows: SimpleRNN(128) with reversed questions
            # (tests/test_calibration_addition.py, SEED = 0-4, CPU, the notebook's 30 epochs):
            # 0.815, 0.812, 0.868, 0.831, 0.874; worst minus a 0.05 margin, rounded down.
            # For scale: the solution, LSTM(128) reversed, 0.993; LSTM(128) forwards 0.991;
            # untrained 0.00; two epochs 0.04; answers left unpadded 0.09.
            "exact_match": 0.75,
        },
        # Plenty once the model is saved; without it, training stops here.
        cell_cpu_seconds=30,
        notebook_cpu_seconds=240,
    ),
    "sentiment": Assignment(
        name="sentiment",
        notebook="sentiment.ipynb",
        title="Sentiment of real movie reviews",
        support_files=("movie_data.py",),
        saved_files=("sentiment_model.keras",),
        thresholds={
            # Accuracy of the submitted model on the grader's 2,000 held-out IMDB reviews, drawn
            # with a hidden seed (checks/sentiment/cases.py) from the 3,000 that movie_data
            # reserves (in neither split of load_imdb). Reference: the plainest correct model,
            # the sample correct-masked-simplernn (the notebook's recipe with SimpleRNN(32):
            # vocabulary 10,000, Embedding(32, mask_zero), trained on the last 200 words of
            # each review for 4 epochs of 128 with a cosine schedule from 0.003, clipnorm 1.0),
            # run in full by tests/test_calibration_sentiment.py with SEED = 0-4 on CPU:
            # 0.8185, 0.7780, 0.7920, 0.8515, 0.8010. The bound is the worst seed minus a
            # margin of 0.028 (56 of the 2,000 reviews), rounded down: 0.75. For scale, with
            # the saved sample models: the LSTM solution 0.8770, correct-functional-lstm
            # 0.8705; the post-padded SimpleRNN without a mask of the seed tutorial 0.50.
            "holdout_accuracy": 0.75,
            # Accuracy on 2,000 reviews of the student's test split (its first 1,000 per
            # class) minus accuracy on the holdout, same model: a model trained on the test
            # reviews knows them better than new ones. Honest gaps of the five reference runs
            # above: +0.0255, +0.0185, +0.0105, +0.0105, +0.0255 (these test reviews are a
            # little easier than the holdout); saved sample models +0.0055 to +0.0210. The
            # bound is the largest plus a margin of 0.0145. The sample mistake-trained-on-test
            # (the notebook trained on the training and test splits) gives +0.066.
            "max_test_holdout_gap": 0.04,
            # The same difference the other way: a model trained on the reserved reviews, the
            # holdout's superset that the release names, knows the holdout better than the test
            # split. The notebook's SimpleRNN recipe trained on the reserve and the training
            # split (SEED = 42, one run) gives -0.1085 (holdout 0.9470, test 0.8385), while
            # every honest run above gives +0.0105 or more.
            "max_holdout_test_gap": 0.035,
        },
        cell_cpu_seconds=120,
        notebook_cpu_seconds=240,
        model_caps=ModelCaps(
            # 1.5 x the notebook's MAXLEN of 1,000, which cuts 0.5% of the reviews (the
            # longest has 2,459 words).
            steps=1_500,
            # 18 x the solution's 8,353,000 (8,353 weights over 1,000 steps); an LSTM(128) on
            # 128-wide embeddings over 1,000 steps (131,713,000) fits. On 2 idle cores that
            # one takes 6.8 s for the 2,000 holdout reviews (the solution 2.3 s), so a model
            # at the cap needs about 16 s for the 4,224 reviews the checks read.
            weight_steps=150_000_000,
        ),
    ),
    "stocks": Assignment(
        name="stocks",
        notebook="stocks.ipynb",
        title="Stock prices: what a recurrent network can and cannot see",
        support_files=("price_data.py",),
        saved_files=("stocks_model.keras",),
        thresholds={
            # The saved model reads windows of 20 S&P 500 log returns scaled with the mean and
            # std of the training returns (before 2011) and is measured by the grader on the
            # held-back S&P 500 and NASDAQ of 2015-2018 (checks/stocks/cases.py), as MSE over
            # the mean baseline's (always 0: the training mean, scaled). Persistence gives 2.01
            # there (2.13 on the students' test period, 2011-2014): returns are nearly
            # independent from day to day. Reference runs (tests/test_calibration_stocks.py,
            # SEED = 0-4, CPU, the notebook's 10 epochs), ratios on test / S&P / NASDAQ:
            #   LSTM(16), the solution: 0.9981/0.9995/1.0022, 0.9964/1.0009/1.0041,
            #     0.9978/1.0008/1.0031, 0.9989/0.9999/1.0029, 0.9989/1.0009/1.0041;
            #   GRU(16), correct-gru: 0.9988/1.0037/1.0064, 0.9977/1.0021/1.0054,
            #     1.0021/1.0063/1.0112, 0.9967/1.0017/1.0048, 0.9974/1.0049/1.0075.
            # Saved sample models (SEED = 42): the solution 1.0001/1.0024/1.0050, correct-gru
            # 1.0023/1.0067/1.0104. Every honest model is within 1.2% of the mean baseline's
            # error, and at most 0.4% better: the bounds below are about that.
            #
            # At most this ratio on the held-back S&P 500 and NASDAQ: the worst honest ratio,
            # 1.0112 (GRU, seed 2, NASDAQ), plus a margin of 0.0188. A Dense network without
            # recurrence (sample mistake-dense-no-recurrence) fits the noise of its training
            # days and gives 1.087; the model of prices handed in instead
            # (mistake-price-model-handed-in) 1.164; a model trained on targets that are the
            # window's own last day (it copies it) 2.03.
            "max_mse_over_mean": 1.03,
            # The spread (std) of the predictions on those windows, at least: a constant model
            # is the mean baseline, not a model. Honest runs above: 0.053 to 0.089; the bound is
            # a tenth of the smallest.
            "min_prediction_std": 0.005,
            # At least this ratio on each of the three periods: no honest model predicts days it
            # has not seen better than the mean by more than 0.4% (lowest above: 0.9964 on the
            # test period; the sample mistake-shuffled-window-split, whose training windows
            # include test days but which cannot memorize them in 10 epochs, 0.9943). The bound
            # leaves 0.0093 below that. A model that memorized the days it is measured on goes
            # below: mistake-trained-on-everything (LSTM(32), 60 epochs on all 1999-2018 S&P
            # returns) gives 0.919 on the test period. A model trained on those days for the
            # notebook's 10 epochs cannot be told from an honest one (LSTM(16) on all 1999-2018
            # returns, seeds 0-2: 0.993-0.996 on the test period, 0.998-0.999 on the held-back
            # S&P years it trained on): it learned nothing it could recall, and no bound on
            # the error can tell.
            "min_mse_over_mean": 0.985,
            # |ratio on the test period - ratio on the held-back S&P 500|, at most (when both
            # are under max_mse_over_mean): honest gaps above up to 0.0075 (GRU, seed 4); the
            # bound leaves 0.0125. mistake-trained-on-everything: 0.079.
            "max_gap": 0.02,
        },
        # With the model file handed in, the notebook uses 6.7 CPU seconds (the GRU sample,
        # graded on 2 cores, imports included). Without it, it trains the price model and
        # the returns model, 10 epochs each (about 10 CPU seconds apiece): within budget too.
        cell_cpu_seconds=60,
        notebook_cpu_seconds=180,
    ),
    "textgen": Assignment(
        name="textgen",
        notebook="textgen.ipynb",
        title="A character-level language model that writes",
        support_files=("text_data.py",),
        saved_files=("textgen_model.keras",),
        thresholds={
            # Bits per character of the saved model on the grader's 3,000 characters of
            # reserved reviews (3 pieces of 1,000 drawn with a hidden seed,
            # checks/textgen/cases.py). On the same characters the unigram baseline needs
            # 4.262 and the bigram 3.471 (both counted on the 1,000,000 training characters,
            # add-one). Reference: the solution notebook (Embedding(47, 16) -> LSTM(64) ->
            # LSTM(64) -> Dense(47) softmax, windows of 40, the first 200,000 training
            # characters for 2 epochs of 256 with a cosine schedule from 0.01, clipnorm 1.0),
            # run in full by tests/test_calibration_textgen.py on CPU: SEED = 0: 2.712,
            # 1: 2.779, 2: 2.739; the saved solution (SEED = 42): 2.845. The bound is the
            # worst of these four plus a margin of 0.155: 3.0, still 0.47 below the bigram.
            # For scale: the sample mistake-undertrained (10,000 characters once) 4.236,
            # mistake-windows-off-by-one (a model that copies its input) 20.2.
            "holdout_bits": 3.0,
            # Bits per character, under the saved model, of the 100 characters that generate
            # wrote at temperature 0.5 after a hidden seed text: text drawn from the model's own
            # predictions is cheap for it. With the solution's saved model and a reference
            # generate, draws with seeds 4-6: 2.09, 1.81, 1.92 at temperature 0.5; 2.87-3.02 at
            # 1.0 (a sample that ignores the temperature); 4.97-5.23 at 2.0 (p ** T, the
            # temperature inverted); 10.1 for characters drawn uniformly, without the model
            # (11.0 with another model of the recipe). The bound passes every temperature up
            # to 2 with a margin of 1.8 bits and fails text the model did not write.
            "follow_bits": 7.0,
        },
        cell_cpu_seconds=60,
        notebook_cpu_seconds=240,
    ),
}

SEED = 42
"""Seed the notebooks pass to keras.utils.set_random_seed."""

CALIBRATION_SEEDS = (0, 1, 2, 3, 4)
"""Seeds the opt-in calibration tests train the reference solutions with (CPU)."""

REVIEW_ABOVE: dict[str, dict[str, float]] = {
    "sentiment": {
        # Holdout accuracy (the grader's 2,000 reserved reviews) that honest training does not
        # reach. The best honest figure measured is the LSTM solution's saved model, 0.8770
        # (correct-functional-lstm 0.8705; the calibration runs of the plainest model, seeds
        # 0-4, 0.7780 to 0.8515); the notebook's SimpleRNN recipe trained on the training
        # split and the reserve (SEED = 42, one run) gives 0.9470. The bound is the best
        # honest figure plus 0.023 (46 of the 2,000 reviews). A model trained on the training
        # split, the test split and the reserve together passes the gap checks; this is what
        # is left to tell it by.
        "holdout_accuracy": 0.90,
    },
}
"""Figures a check measures (`measured` in the results) above which the class report lists a
submission for a person to look at: better than honest training reaches, so possibly trained
on the reviews it is measured on. It changes no score: a student may simply have done well."""

WALL_FACTOR = 2
WALL_SLACK_SECONDS = 30
"""Wall-clock backstops are WALL_FACTOR x the CPU budget plus this slack: a notebook that
computes is stopped by its CPU budget, one that waits (a sleep, a deadlock) by the backstop.
A backstop hit while the notebook waited for a busy CPU is not the student's: the notebook is
graded again alone, and left ungraded if the machine is still too busy."""

MEMORY_BYTES = 8 * 2**30
"""Address-space cap of each process of a sandbox (TensorFlow alone reserves about 3 GiB of
it), and the cap on the resident memory of all of them together."""

MEMORY_PER_RUN = 3 * 2**30
"""Memory a running notebook takes at most in practice (a notebook that trains, beside its
checks): the default number of parallel runs leaves each about this much."""

PARALLEL_RUNS = max(1, min(os.cpu_count() or 1,
                           os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
                           // MEMORY_PER_RUN))
"""Notebooks run at once by default (`grade --workers N` overrides it): one per core, as memory
allows. Each sandbox runs TensorFlow on one thread, so N runs fit N cores."""

SANDBOX_PRELOAD = ("numpy", "tensorflow", "keras", "matplotlib.pyplot", "ipykernel.kernelapp")
"""Modules every sandbox's kernel starts with, already imported: a fork server imports them once
per grading process and each kernel is forked from it (about 5 s saved per notebook). The
notebooks' own imports then cost nothing. Only modules of the Python environment belong here,
never a course file."""

SANDBOX_UIDS = range(61000, 61256)
"""User ids reserved for sandboxes (as root): each running sandbox leases one of its own, so
no two share a process limit, a file or a signal. No account needs to exist for them; keep
the range free of real users."""

SANDBOX_LOCK_DIR = "/run/rnnkit-sandbox-users"
"""Where the leases of SANDBOX_UIDS are held (lock files, root only), shared by every grading
process on the machine."""

TRUSTED_MEMORY_BYTES = 12 * 2**30
"""Address-space cap of the trusted check process (TensorFlow, the hidden data, one model)."""

TRUSTED_SECONDS_PER_SUBMISSION = 120
"""Wall-clock limit of the trusted checks, per submission of a batch (plus a minute)."""

CANARY_SECONDS = 600
"""A grading process repeats its canary run (a known-good notebook through the sandbox and the
checks) when the last one that passed is older than this; every process starts with one."""

CHECK_BATCH = 8
"""Submissions whose checks run in one trusted process; results are stored after each batch."""

MAX_PROCESSES = 512
MAX_FILE_BYTES = 512 * 2**20

DISK_BYTES = 2**30
"""Everything one sandbox may write (as root: its folder, home and /tmp are one file system of
this size). The largest saved model is 4 MB; a notebook that fills it loses what it could not
save, nothing else."""

READ_MEMORY_BYTES = 3 * 2**30
READ_CPU_SECONDS = 60
"""Address-space cap and CPU seconds of the child process that parses one handed-in notebook
(`autograder.intake`): a 120 MB notebook of outputs reads in about 1 GiB; a file that needs
more (millions of tiny JSON objects in a few megabytes) is refused, and costs only itself."""

# TensorFlow and absl write warnings to stderr; nbgrader would give 0 to a cell with any stderr.
TF_STDERR_PATTERN = (
    r"(tensorflow|oneDNN|TF_ENABLE_ONEDNN_OPTS|cuda|cuDNN|cuBLAS|XLA|absl::|"
    r"WARNING: All log messages|computation placer|Unable to register|rebuild TensorFlow|"
    r"[IWE]0000 |UserWarning|keras)"
)


EXCHANGE_ROOT = os.environ.get("RNNKIT_EXCHANGE", "/srv/nbgrader/exchange")
"""nbgrader's exchange: where `release_assignment` puts releases, students' `submit` puts their
work and `release_feedback` puts feedback. Every instructor and student account must be able to
write it (nbgrader's own default place; set RNNKIT_EXCHANGE to use another)."""


SERVICE_INTERVAL_SECONDS = 5
"""How often the grading service looks for new submissions in the exchange's inbound."""
SERVICE_RETRIES = 3
"""Times the service grades a submission again that it could not grade (a busy machine)
before it leaves it ungraded for the instructor."""


def assignment_in(argv: list[str]) -> str | None:
    """The assignment an nbgrader command line names (`nbgrader autograde onehot`,
    `--assignment=onehot`, `--assignment onehot`), or None."""
    for index, arg in enumerate(argv):
        if arg.startswith("--assignment="):
            name = arg.split("=", 1)[1]
        elif arg == "--assignment" and index + 1 < len(argv):
            name = argv[index + 1]
        elif not arg.startswith("-") and index > 0:
            name = arg
        else:
            continue
        if name in ASSIGNMENTS:
            return name
    return None


def cell_timeout(assignment: str | None) -> int:
    """Seconds nbgrader's Execute waits for one cell: the assignment's wall-clock backstop, or
    the largest of them when the command names none."""
    if assignment in ASSIGNMENTS:
        return ASSIGNMENTS[assignment].cell_wall_seconds
    return max(a.cell_wall_seconds for a in ASSIGNMENTS.values())


def configure(c, argv: list[str] | None = None) -> None:
    """Put the course's settings into nbgrader's config `c` (nbgrader_config.py calls this)."""
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = ROOT
    c.CourseDirectory.source_directory = "source"
    c.CourseDirectory.release_directory = "release"
    c.CourseDirectory.solution_directory = "solutions"
    c.CourseDirectory.submitted_directory = "submitted"
    c.CourseDirectory.autograded_directory = "autograded"
    c.CourseDirectory.feedback_directory = "feedback"
    c.Exchange.root = EXCHANGE_ROOT
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    c.Execute.timeout = cell_timeout(assignment_in(sys.argv if argv is None else argv))
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = TF_STDERR_PATTERN
    # Feedback shows neither the hidden tests' code nor what they printed in the kernel.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.nbgrader_feedback.HideHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]


# nbgrader_config.py imports this module and calls configure(); a file loaded as a traitlets
# config (`--NbGrader.config_file=course_config.py`) has get_config() defined instead.
if "get_config" in globals():
    sys.path.insert(0, ROOT)
    configure(get_config())  # noqa: F821
