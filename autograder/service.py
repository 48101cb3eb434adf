"""The grading service: feedback minutes after a student submits (`python -m autograder watch`).

Each look at the exchange's inbound finds the submissions not yet answered, collects the newest
of each student and assignment into the course's submitted/ tree, grades them with the trusted
grader (the same sandbox and grade store as `grade`, here or on a Dask cluster) and releases
each page through the exchange, where the student's `nbgrader fetch_feedback` finds it.

The state is on disk, never only in memory: the grade store holds every result the moment its
checks end, and the ledger (`<state>/ledger/`) one file per inbound folder answered. A service
killed mid-burst and started again releases what was graded and grades the rest: a notebook is
graded once per content (the store's key), a resubmission again.

Pages in detail are rationed (course_config.FeedbackPolicy): past the ration a student gets the
total and when the next detailed page comes. A submission the grader could not grade gets a
page that says so, never a 0, and is tried again; a broken grader (the canary fails) stops the
service before it releases anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import course_config
from autograder import exchange
from autograder.exchange import Inbound
from autograder.progress import Reporter, as_reporter
from autograder.reports import write_atomic
from autograder.safetext import printable
from autograder.scoring.results import SubmissionResult
from autograder.store import GradeStore, file_name_for

FINAL = {"released", "superseded", "refused"}
"""Ledger states after which a folder is not looked at again (unless it changes)."""


class ServiceError(Exception):
    """The service cannot run: another one holds the course, or the grader is broken."""


@dataclass
class Entry:
    """What the service did with one inbound folder."""

    name: str
    student: str
    assignment: str
    arrived: float
    state: str = "pending"
    """pending, released, superseded, refused, or ungraded (tried again up to
    course_config.SERVICE_RETRIES times)."""
    tries: int = 0
    released_at: float | None = None
    shows: str | None = None
    """What the released page showed (course_config.SHOWN)."""
    digest: str = ""
    score: float | None = None
    max_score: float | None = None
    why: str = ""
    """For a refused or ungraded folder: why, for the instructor."""

    @property
    def latency(self) -> float | None:
        """Seconds from the submission's arrival to its page."""
        return None if self.released_at is None else self.released_at - self.arrived


class Ledger:
    """One JSON file per inbound folder answered, under `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        return self.directory / f"{file_name_for(name)}.json"

    @staticmethod
    def _read(path: Path) -> Entry | None:
        """The entry in `path`; None for a file missing or not an entry (written by hand)."""
        try:
            return Entry(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def get(self, name: str) -> Entry | None:
        return self._read(self._path(name))

    def put(self, entry: Entry) -> None:
        write_atomic(self._path(entry.name), json.dumps(asdict(entry), indent=1))

    def entries(self) -> list[Entry]:
        paths = sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []
        return [entry for entry in map(self._read, paths) if entry is not None]


@dataclass
class Paths:
    """Where the service reads and writes."""

    exchange: Path
    course: Path
    """The course folder: submitted/ is collected into it."""
    state: Path
    """The service's own state: ledger/, heartbeat.json, the lock."""
    store: Path
    """The grade store: by default the course's grades/, which the README's `grade --store
    grades/` uses too, so the instructor's later run keeps what the service graded."""

    @classmethod
    def of(cls, exchange_root: Path | None = None, course: Path | None = None,
           state: Path | None = None, store: Path | None = None) -> Paths:
        course = Path(course or course_config.ROOT)
        state = Path(state or course / "service")
        return cls(Path(exchange_root or course_config.EXCHANGE_ROOT), course, state,
                   Path(store or course / "grades"))

    @property
    def submitted(self) -> Path:
        return self.course / "submitted"


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def before_deadline(assignment: str, now: float) -> bool:
    """Whether `assignment` is not yet due at `now` (always, with no deadline set)."""
    deadline = course_config.ASSIGNMENTS[assignment].deadline
    if deadline is None:
        return True
    due = datetime.fromisoformat(deadline).replace(tzinfo=timezone.utc).timestamp()
    return now < due


def what_to_show(entries: list[Entry], student: str, assignment: str, digest: str,
                 now: float) -> tuple[str, str]:
    """(shows, notice) of the page for `student`'s newest submission of `assignment`.

    The course's FeedbackPolicy decides what a page shows before the deadline; a detailed page
    (more than the total) counts against the ration, unless it is of a notebook the student
    already had in detail (it tells nothing new)."""
    policy = course_config.ASSIGNMENTS[assignment].feedback
    shows = policy.before_deadline if before_deadline(assignment, now) else "full"
    if shows == "total":
        return shows, ""
    mine = [e for e in entries if e.student == student and e.assignment == assignment
            and e.state == "released" and e.shows not in (None, "total")]
    if any(e.digest == digest for e in mine):
        return shows, ""
    period = policy.period_hours * 3600
    recent = sorted(e.released_at for e in mine if e.released_at and e.released_at > now - period)
    if len(recent) < policy.detailed_pages:
        return shows, ""
    next_at = recent[len(recent) - policy.detailed_pages] + period
    return "total", (f"This page shows your total only: detailed feedback comes at most "
                     f"{policy.detailed_pages} times in any {policy.period_hours:g}-hour period for "
                     f"each assignment. Your next detailed page can come from {_utc(next_at)}.")


def _submitted_at(sub_folder: Path) -> datetime | None:
    from autograder.gradebook import submission_timestamp

    return submission_timestamp(sub_folder.parent.parent, sub_folder.parent.name,
                                sub_folder.name)


class Service:
    """The grading service over one course's exchange."""

    def __init__(self, paths: Paths, workers: int | None = None, client=None,
                 progress: Reporter | None = None, db_url: str | None = None,
                 check_owner: bool = True, batch: int | None = None) -> None:
        self.paths, self.workers, self.client = paths, workers, client
        self.report = as_reporter(progress)
        self.db_url, self.check_owner = db_url, check_owner
        self.batch = batch or 2 * (workers or course_config.PARALLEL_RUNS)
        self.ledger = Ledger(paths.state / "ledger")
        self.store = GradeStore(paths.store)

    # --- the queue ------------------------------------------------------------------------

    def queue(self) -> tuple[list[Inbound], list[tuple[Inbound, Inbound]], list[Inbound]]:
        """(to grade, superseded, foreign): the newest unanswered submission of each student
        and assignment, oldest first; each older unanswered one with the newer that replaces
        it; and the unanswered folders whose owner is not the student they name (never
        graded, and never allowed to replace the student's own)."""
        newest: dict[tuple[str, str], Inbound] = {}
        older: list[Inbound] = []
        foreign: list[Inbound] = []
        for item in exchange.list_inbound(self.paths.exchange):
            entry = self.ledger.get(item.name)
            if entry is not None and entry.arrived == item.arrived and (
                    entry.state in FINAL or (entry.state == "ungraded"
                                             and entry.tries >= course_config.SERVICE_RETRIES)):
                continue
            if not self._owned(item):
                foreign.append(item)
                continue
            key = (item.student, item.assignment)
            if key in newest:
                older.append(newest[key])
            newest[key] = item  # list_inbound is oldest first
        todo = sorted(newest.values(), key=lambda item: (item.arrived, item.name))
        replaced = [(item, newest[(item.student, item.assignment)]) for item in older]
        return todo, replaced, foreign

    # --- one pass -------------------------------------------------------------------------

    def run_once(self) -> list[Entry]:
        """Answer what is in the inbound now, a batch at a time, oldest first; return the
        ledger entries written. Raises ServiceError if the grader is broken."""
        written: list[Entry] = []
        answered: set[str] = set()  # an ungraded one waits for the next pass
        while True:
            todo, replaced, foreign = self.queue()
            for item in foreign:
                written.append(self._refuse(
                    item, f"the folder belongs to {printable(item.owner or 'no account')}, "
                          f"not to {printable(item.student)}"))
            for item, newer in replaced:
                written.append(self._supersede(item, newer))
            todo = [item for item in todo if item.name not in answered]
            if not todo:
                return written
            answered.update(item.name for item in todo[: self.batch])
            written += self._answer(todo[: self.batch])

    def _refuse(self, item: Inbound, why: str) -> Entry:
        entry = Entry(item.name, item.student, item.assignment, item.arrived, state="refused",
                      why=why)
        self.ledger.put(entry)
        self.report.log(f"refused {printable(item.name)}: {why}")
        return entry

    def _supersede(self, item: Inbound, newer: Inbound) -> Entry:
        from autograder.feedback import superseded_page

        folder = item.path(self.paths.exchange)
        secret = exchange.secret(folder)
        entry = Entry(item.name, item.student, item.assignment, item.arrived,
                      state="superseded", released_at=time.time())
        if secret is not None:
            notebook = course_config.ASSIGNMENTS[item.assignment].notebook
            exchange.release(superseded_page(item.student, item.assignment, newer.arrived),
                             secret, notebook, self.paths.exchange)
        self.ledger.put(entry)
        return entry

    def _owned(self, item: Inbound) -> bool:
        return not self.check_owner or item.owner == item.student

    def _answer(self, items: list[Inbound]) -> list[Entry]:
        from autograder.discovery import discover

        ready: list[tuple[Inbound, str, Path]] = []
        written = []
        for item in items:
            secret = exchange.secret(item.path(self.paths.exchange))
            if secret is None:
                written.append(self._refuse(item, "no submission secret (nbgrader submit "
                                                  "writes one): no page could be released"))
                continue
            into = self.paths.submitted / item.student / item.assignment
            for skipped in exchange.collect(item, self.paths.exchange, into):
                self.report.log(f"{printable(item.name)}: left out {printable(skipped)}")
            ready.append((item, secret, into))
        if not ready:
            return written
        found = discover([into for _, _, into in ready])
        results = self._grade(found.submissions)
        by_key = {(r.student, r.assignment): r for r in results}
        entries = self.ledger.entries()
        for item, secret, into in ready:
            result = by_key.get((item.student, item.assignment))
            if result is not None:
                written.append(self._release(item, secret, into, result, entries))
        self._push([r for r in results if not r.ungraded])
        return written

    def _grade(self, submissions: list) -> list[SubmissionResult]:
        from autograder.grading import GraderError, grade

        try:
            if self.client is not None:
                from autograder.cluster import grade_on_cluster

                return grade_on_cluster(submissions, self.client, progress=self.report,
                                        store=self.store)
            return grade(submissions, progress=self.report, store=self.store,
                         workers=self.workers)
        except GraderError as exc:
            raise ServiceError(str(exc)) from exc

    def _warm_up(self) -> None:
        """The canary, before the first submission (on the cluster, its workers run theirs)."""
        from autograder.grading import GraderError, warm_up

        if self.client is None:
            try:
                warm_up(self.report)
            except GraderError as exc:
                raise ServiceError(str(exc)) from exc

    def _release(self, item: Inbound, secret: str, into: Path, result: SubmissionResult,
                 entries: list[Entry]) -> Entry:
        from autograder.feedback import page

        previous = self.ledger.get(item.name)
        tries = (previous.tries if previous and previous.arrived == item.arrived else 0) + 1
        now = time.time()
        entry = Entry(item.name, item.student, item.assignment, item.arrived, tries=tries,
                      digest=result.digest, released_at=now)
        if result.ungraded:
            entry.state, entry.why, entry.shows = "ungraded", result.ungraded, "total"
            again = tries < course_config.SERVICE_RETRIES
            notice = ("The grader will try again within minutes." if again else
                      "Your instructor has been told and will have it graded.")
            self.report.log(f"{printable(item.name)} is ungraded (try {tries}): "
                            f"{printable(result.ungraded)}")
        else:
            entry.state, entry.score, entry.max_score = "released", result.score, result.max_score
            entry.shows, notice = what_to_show(entries, item.student, item.assignment,
                                               result.digest, now)
        html = page(result, _submitted_at(into), shows=entry.shows, notice=notice)
        exchange.release(html, secret, result.notebook, self.paths.exchange)
        self.ledger.put(entry)
        entries.append(entry)
        return entry

    def _push(self, results: list[SubmissionResult]) -> None:
        if self.db_url and results:
            from autograder.gradebook import push_scores

            push_scores(results, self.db_url, submitted=self.paths.submitted)

    # --- the long run ---------------------------------------------------------------------

    def beat(self, **fields) -> None:
        """Write the heartbeat `status` reads: the service's state and its last canary."""
        from autograder.grading import last_canary

        path = self.paths.state / "heartbeat.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data.update(pid=os.getpid(), at=time.time(), last_canary=last_canary(), **fields)
        write_atomic(path, json.dumps(data, indent=1))

    def watch(self, interval: float = course_config.SERVICE_INTERVAL_SECONDS,
              once: bool = False) -> None:
        """Answer the inbound every `interval` seconds until stopped (or once)."""
        self.beat(state="starting", started=time.time(), error=None,
                  grading="local" if self.client is None else "cluster")
        try:
            self._warm_up()
            self.beat(state="running")
            while True:
                answered = self.run_once()
                self.beat(state="running", last_pass=time.time())
                for entry in answered:
                    self.report.log(f"released {printable(entry.student)}/{entry.assignment}: "
                                    f"{entry.state}"
                                    + (f", {entry.score:g}/{entry.max_score:g}"
                                       if entry.score is not None else ""))
                if once:
                    break
                time.sleep(interval)
        except ServiceError as exc:
            self.beat(state="broken", error=str(exc))
            raise
        except KeyboardInterrupt:
            pass
        self.beat(state="stopped")


@contextlib.contextmanager
def holding(state: Path) -> Iterator[None]:
    """One service per course: hold its lock while running."""
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "service.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServiceError(f"another service is running on {state}") from None
        yield


@dataclass
class Status:
    """What `python -m autograder status` prints."""

    queue: int
    released: int
    latency_p50: float | None
    latency_p95: float | None
    ungraded: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    heartbeat: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        beat = self.heartbeat
        state = beat.get("state", "never started")
        if state in ("starting", "running") and not _alive(beat.get("pid")):
            state = "stopped without saying so (killed, or the machine restarted)"
        out = [f"service: {state}"
               + (f" (pid {beat['pid']}, last look {_utc(beat['last_pass'])})"
                  if beat.get("last_pass") else ""),
               f"queue: {self.queue} submission(s) waiting",
               f"released: {self.released} page(s)"]
        if self.latency_p50 is not None:
            out.append(f"submit to feedback: p50 {self.latency_p50:.0f} s, "
                       f"p95 {self.latency_p95:.0f} s")
        canary = beat.get("last_canary")
        if beat.get("grading") == "cluster":
            out.append("canary: run by each Dask worker before it grades")
        else:
            out.append(f"last canary passed: {_utc(canary) if canary else 'never'}")
        if beat.get("error"):
            out.append(f"error: {printable(beat['error'])}")
        out += [f"ungraded: {name}" for name in self.ungraded]
        out += [f"refused: {name}" for name in self.refused]
        return out


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(paths: Paths, check_owner: bool = True) -> Status:
    """The service's state from its ledger, heartbeat and the inbound (read-only)."""
    service = Service(paths, check_owner=check_owner, batch=1)
    todo, _, _ = service.queue()
    entries = service.ledger.entries()
    released = [e for e in entries if e.state == "released" and e.latency is not None]
    latencies = sorted(e.latency for e in released)
    p50 = statistics.median(latencies) if latencies else None
    p95 = (latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
           if latencies else None)
    try:
        beat = json.loads((paths.state / "heartbeat.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        beat = {}
    return Status(
        queue=len(todo), released=len(released), latency_p50=p50, latency_p95=p95,
        ungraded=[f"{printable(e.name)}: {printable(e.why)}" for e in entries
                  if e.state == "ungraded"],
        refused=[f"{printable(e.name)}: {printable(e.why)}" for e in entries
                 if e.state == "refused"],
        heartbeat=beat if isinstance(beat, dict) else {})

