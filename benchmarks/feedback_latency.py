"""Time from `nbgrader submit` to feedback a student can fetch, through the grading service.

As root (students are OS accounts of their own, made with useradd and removed afterwards):

    python benchmarks/feedback_latency.py [--assignment stocks] [--burst 30] [--accounts 3]

Releases the assignment to an exchange of its own, starts `python -m autograder watch`, then
1. one student submits the solution; the time until `nbgrader fetch_feedback` finds its page;
2. a deadline's burst: `--burst` submissions from `--accounts` accounts, all within seconds (each
   account submits for several student ids, so the service runs with --no-check-owner), each
   timed from its submit to its page, and printed as p50 / p95 / max.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import course_config  # noqa: E402
from autograder import exchange  # noqa: E402
from autograder.samples import write_samples  # noqa: E402

PYTHON = sys.executable
AS_ACCOUNT = ROOT / "tests" / "as_account.py"
SCRATCH = Path("/srv/rnn-course-latency-benchmark")


def run(*command, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env,
                          check=False, **kwargs)
    if check and proc.returncode:
        raise SystemExit(f"{command} failed:\n{proc.stderr[-3000:]}")
    return proc


def nbgrader_as(account: str, *args: str, student: str | None = None,
                check: bool = True) -> None:
    flags = [f"--CourseDirectory.course_id={course_config.COURSE_ID}",
             f"--Exchange.root={SCRATCH / 'exchange'}"]
    if student:  # a folder, a cache and an id of its own, as if another account
        flags += [f"--CourseDirectory.student_id={student}",
                  f"--Exchange.cache={workdir(account, student)}/cache",
                  f"--Exchange.assignment_dir={workdir(account, student)}"]
    run(PYTHON, AS_ACCOUNT, account, *args, *flags, check=check)


def workdir(account: str, student: str) -> Path:
    """Where `account` keeps the work of `student` (made on first use, the account's own)."""
    entry = pwd.getpwnam(account)
    folder = Path(entry.pw_dir) / f"work-{student}"
    if not folder.is_dir():
        folder.mkdir()
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def wait_for_page(account: str, assignment: str, student: str, since: float,
                  limit: float = 1800) -> float:
    """Seconds from `since` until the page of the student's newest submission is in the
    exchange (watched from outside, so polling costs the service nothing); then the student's
    own fetch_feedback must find it."""
    from nbgrader.utils import notebook_hash

    cache = workdir(account, student) / "cache" / course_config.COURSE_ID
    newest = sorted(cache.glob(f"{student}+{assignment}+*"))[-1]
    secret = (newest / "submission_secret.txt").read_text()
    stem = Path(course_config.ASSIGNMENTS[assignment].notebook).stem
    page = exchange.feedback_dir(SCRATCH / "exchange") / \
        f"{notebook_hash(secret=secret, notebook_id=stem)}.html"
    while not page.exists():
        if time.time() - since > limit:
            raise SystemExit(f"no feedback for {student} after {limit:.0f} s")
        time.sleep(0.2)
    seconds = time.time() - since
    nbgrader_as(account, "fetch_feedback", assignment, student=student)
    fetched = workdir(account, student) / assignment / "feedback"
    if not list(fetched.glob(f"*/{stem}.html")):
        raise SystemExit(f"{student}'s fetch_feedback did not find the page")
    return seconds


def submit(account: str, assignment: str, student: str, files: Path) -> float:
    """Hand in `files` as `student` from `account`; return when the submit returned."""
    entry = pwd.getpwnam(account)
    folder = workdir(account, student) / assignment
    for path in files.iterdir():
        shutil.copyfile(path, folder / path.name)
        os.chown(folder / path.name, entry.pw_uid, entry.pw_gid)
    started = time.time()
    nbgrader_as(account, "submit", assignment, student=student)
    return started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="stocks", choices=list(course_config.ASSIGNMENTS))
    parser.add_argument("--burst", type=int, default=30)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root: the students are OS accounts of their own", file=sys.stderr)
        return 2
    assignment, accounts = args.assignment, [f"rnnlat{i}" for i in range(args.accounts)]
    shutil.rmtree(SCRATCH, ignore_errors=True)
    (SCRATCH / "exchange").mkdir(parents=True)
    (SCRATCH / "exchange").chmod(0o777)
    course = SCRATCH / "course"
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    flags = (f"--CourseDirectory.root={course}", f"--Exchange.root={SCRATCH / 'exchange'}",
             f"--CourseDirectory.db_url=sqlite:///{SCRATCH}/gradebook.db")
    run(PYTHON, "-m", "nbgrader", "generate_assignment", assignment, "--force", *flags)
    run(PYTHON, "-m", "nbgrader", "release_assignment", assignment, *flags)
    with tempfile.TemporaryDirectory() as tmp:
        [solution] = write_samples([assignment], Path(tmp), only=lambda a: {"solution"})
        files = Path(tmp) / "files"
        shutil.copytree(solution.parent, files)
        service = None
        try:
            for account in accounts:
                run("userdel", "--remove", "--force", account, check=False)
                run("useradd", "--create-home", "-K", "HOME_MODE=0700", account)
            watch = [PYTHON, "-m", "autograder", "watch", "--exchange", SCRATCH / "exchange",
                     "--course", course, "--interval", "1", "--no-check-owner", "--quiet"]
            if args.workers:
                watch += ["--workers", str(args.workers)]
            service = subprocess.Popen([str(c) for c in watch], cwd=ROOT)
            students = [f"stu{i:03d}" for i in range(args.burst + 1)]
            owner = {s: accounts[0] if i == 0 else accounts[(i - 1) % len(accounts)]
                     for i, s in enumerate(students)}
            for student in students:
                nbgrader_as(owner[student], "fetch_assignment", assignment, student=student)
            # 1. one submission, the service idle (its canary has passed)
            started = submit(accounts[0], assignment, students[0], files)
            one = wait_for_page(accounts[0], assignment, students[0], started)
            print(f"one submission ({assignment}): feedback fetchable {one:.1f} s after submit")
            # 2. the burst: every account submits its share at once
            mine = {a: [s for s in students[1:] if owner[s] == a] for a in accounts}

            def burst(account: str) -> list[tuple[str, float]]:
                return [(s, submit(account, assignment, s, files)) for s in mine[account]]

            with ThreadPoolExecutor(len(accounts)) as pool:
                sent = [x for part in pool.map(burst, accounts) for x in part]
            latencies = sorted(wait_for_page(owner[s], assignment, s, t) for s, t in sent)
            p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
            print(f"burst of {len(sent)} from {len(accounts)} accounts: p50 "
                  f"{statistics.median(latencies):.0f} s, p95 {p95:.0f} s, max "
                  f"{latencies[-1]:.0f} s ({os.cpu_count()} cores, "
                  f"{args.workers or course_config.PARALLEL_RUNS} workers)")
            pages = len(list(exchange.feedback_dir(SCRATCH / "exchange").glob("*.html")))
            print(f"pages in the exchange: {pages}")
        finally:
            if service is not None:
                service.terminate()
                service.wait(timeout=120)
            for account in accounts:
                run("userdel", "--remove", "--force", account, check=False)
            shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
