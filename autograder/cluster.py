"""Grading on a Dask cluster: the same sandbox and checks, on machines the class can grow into.

The client plans the run as a local one does (stored results, folders without a notebook), then
sends each batch of one assignment's submissions to the cluster as bytes (each notebook and the
files beside it), so workers need no shared file system, only the kit at the same version. A
worker grades a batch with the local grader (canary, sandboxes, trusted checks) and sends the
results back; they reach the grade store and the progress report as they arrive. A worker that
dies takes no result with it: Dask runs its batch again on another worker.

Start workers with ``dask worker tcp://SCHEDULER:8786 --nthreads 4`` (or more processes per
machine with ``--nworkers``): a worker grades one batch at a time, running as many notebooks at
once as it has threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import course_config
from autograder import __version__
from autograder.discovery import Submission
from autograder.grading import GraderError, failed, grade, in_order, plan, summary
from autograder.progress import Reporter, as_reporter
from autograder.scoring.results import SubmissionResult
from autograder.store import GradeStore

KIT = Path(__file__).resolve().parent
_ONE_BATCH_AT_A_TIME = threading.Lock()


class ClusterError(GraderError):
    """The cluster cannot grade: unreachable, no workers, or workers with another kit."""


def kit_version() -> str:
    """The kit's version and a hash of its code and settings: what a worker must share with
    the client for its grades to be the client's."""
    digest = hashlib.sha256()
    for path in [*sorted(KIT.rglob("*.py")), Path(course_config.ROOT) / "course_config.py"]:
        digest.update(str(path.relative_to(KIT.parent)).encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def pack(sub: Submission) -> dict:
    """A submission as plain data: its notebook and the files the sandbox would copy beside it
    (regular files under the size cap; links are not followed, as in a local run)."""
    files = {sub.notebook.name: sub.notebook.read_bytes()}
    for path in sorted(sub.notebook.parent.iterdir()):
        if (path.is_file() and not path.is_symlink() and path.suffix != ".ipynb"
                and path.stat().st_size < course_config.MAX_FILE_BYTES):
            files[path.name] = path.read_bytes()
    return {"student": sub.student, "assignment": sub.assignment,
            "notebook": sub.notebook.name, "files": files}


def unpack(packed: dict, into: Path) -> Submission:
    """Write a packed submission under `into` as student/assignment/files."""
    folder = into / packed["student"] / packed["assignment"]
    folder.mkdir(parents=True)
    for name, data in packed["files"].items():
        if Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"a packed file name must be a plain name, not {name!r}")
        (folder / name).write_bytes(data)
    return Submission(packed["student"], packed["assignment"], folder / packed["notebook"])


def grade_batch(batch: list[dict], version: str) -> list[dict]:
    """Grade packed submissions on this worker (the function the cluster runs)."""
    mine = kit_version()
    if mine != version:
        raise ClusterError(f"this worker runs kit {mine}, the client {version}")
    with _ONE_BATCH_AT_A_TIME, tempfile.TemporaryDirectory(prefix="rnnkit-batch-") as tmp:
        subs = [unpack(packed, Path(tmp)) for packed in batch]
        return [result.to_dict() for result in grade(subs, workers=_threads())]


def _threads() -> int:
    from distributed import get_worker

    try:
        return max(1, int(get_worker().state.nthreads))
    except (ValueError, AttributeError):
        return 1


@contextlib.contextmanager
def connect(scheduler: str | None = None, cluster: str | None = None,
            log: Callable[[str], None] = lambda line: None) -> Iterator:
    """A Dask client: of the scheduler at `scheduler` (tcp://HOST:PORT), or of a LocalCluster
    that `cluster` ("local:N") starts here with N worker processes."""
    from distributed import Client, LocalCluster

    if cluster is not None:
        kind, _, count = cluster.partition(":")
        if kind != "local" or not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--cluster takes local:N (N worker processes), not {cluster!r}")
        log(f"starting a local cluster of {count} worker processes")
        with LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                          dashboard_address=None) as local, Client(local) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


def check_workers(client, timeout: float = 60.0) -> int:
    """The number of workers, once at least one is there and every one runs this kit."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(f"the cluster has no worker (waited {timeout:g} s)") from None
    version = kit_version()
    try:
        versions = client.run(kit_version)
    except ImportError as exc:  # the kit is not installed there at all
        raise ClusterError(f"a worker cannot import the kit: {exc}") from None
    others = {worker: v for worker, v in versions.items() if v != version}
    if others:
        listed = "; ".join(f"{worker} runs {v}" for worker, v in sorted(others.items()))
        raise ClusterError(f"workers with another version of the kit would grade differently: "
                           f"{listed}; this client runs {version}. Install the same kit on "
                           "every worker (and restart them), then grade again")
    return len(versions)


def grade_on_cluster(submissions: list[Submission], client,
                     progress: Reporter | Callable[[str], None] | None = None,
                     store: GradeStore | None = None,
                     regrade: bool = False) -> list[SubmissionResult]:
    """Grade `submissions` on the cluster behind `client`, as `grading.grade` does locally."""
    from distributed import as_completed

    report = as_reporter(progress)
    work = plan(submissions, store, regrade, report)
    results = list(work.done)
    report.start(len(submissions))
    for result in work.done:
        report.finished(f"{result.student}/{result.assignment}: kept", failed(result))
    if work.todo:
        workers = check_workers(client)
        threads = sum(client.nthreads().values()) or 1
        report.log(f"grading on {workers} Dask worker(s), {threads} notebook(s) at once")
        version = kit_version()
        # Small enough batches to keep every thread busy, large enough that the checks'
        # start-up (a trusted process per batch) is shared.
        count = sum(len(subs) for subs in work.todo.values())
        size = max(1, min(course_config.CHECK_BATCH, -(-count // (2 * threads))))
        run = secrets.token_hex(4)
        futures = {client.submit(grade_batch, [pack(sub) for sub in subs], version,
                                 pure=False, key=f"rnnkit-{run}-{assignment}-{index}"):
                   assignment for index, (assignment, subs) in enumerate(work.batches(size))}
        try:
            for future in as_completed(futures):
                assignment = futures[future]
                for row in future.result():
                    result = SubmissionResult.from_dict(row)
                    if store is not None and not result.ungraded:
                        store.put(result, work.versions[assignment])
                    report.finished(summary(result), failed(result))
                    results.append(result)
        finally:
            client.cancel(list(futures))
    report.close()
    return in_order(results, submissions)
